// Maps the words typed ("container ls", "image rm", "network create") to one
// command module under commands/, the way docker's management commands alias
// their top-level verbs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');

/** Management groups whose sub-verbs map onto top-level verbs, as docker's do. */
const GROUP_ALIASES: Record<string, Record<string, string>> = {
  container: { ls: 'ps', list: 'ps', ps: 'ps', remove: 'rm', inspect: 'inspect' },
  image: { ls: 'images', list: 'images', rm: 'rmi', remove: 'rmi' },
  volume: { list: 'ls', remove: 'rm' },
  network: { list: 'ls', remove: 'rm' },
  system: { info: 'info', events: 'events' },
  builder: { build: 'build' },
};

const exists = (name: string) => existsSync(join(COMMANDS_DIR, `${name}.js`));

/** Returns the module name for the words typed and how many words it consumed. */
export function resolveCommand(words: readonly string[], has: (name: string) => boolean = exists): [string, number] | undefined {
  const [first, second] = words;
  if (!first) return undefined;
  const group = GROUP_ALIASES[first];
  if (group && second && !second.startsWith('-')) {
    const alias = group[second];
    const candidates = alias ? [alias, `${first}-${alias}`] : [`${first}-${second}`, second];
    for (const c of candidates) if (has(c)) return [c, 2];
  }
  if (has(first)) return [first, 1];
  return undefined;
}


export const isGroup = (word: string) => word in GROUP_ALIASES;
