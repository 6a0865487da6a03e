// Maps the words typed ("container ls", "image rm", "network create") to one
// command module under commands/, the way docker's management commands alias
// their top-level verbs, and suggests near misses as cobra does.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');

interface Group {
  description: string;
  /** Sub-verb → module. */
  verbs: Record<string, string>;
  /** Other names of a sub-verb (docker's "container list", "image remove"). */
  aliases: Record<string, string>;
}

/** docker's management commands, as far as Gantry has their verbs. */
export const GROUPS: Record<string, Group> = {
  container: {
    description: 'Manage containers',
    verbs: {
      attach: 'attach', commit: 'commit', cp: 'cp', create: 'create', diff: 'diff', exec: 'exec', export: 'export', inspect: 'inspect',
      kill: 'kill', logs: 'logs', ls: 'ps', pause: 'pause', port: 'port', prune: 'container-prune', rename: 'rename', restart: 'restart',
      rm: 'rm', run: 'run', start: 'start', stats: 'stats', stop: 'stop', top: 'top', unpause: 'unpause', update: 'update', wait: 'wait',
    },
    aliases: { list: 'ls', ps: 'ls', remove: 'rm' },
  },
  image: {
    description: 'Manage images',
    verbs: { build: 'build', history: 'history', import: 'import', inspect: 'image-inspect', load: 'load', ls: 'images', prune: 'image-prune', pull: 'pull', push: 'push', rm: 'rmi', save: 'save', tag: 'tag' },
    aliases: { list: 'ls', remove: 'rm' },
  },
  network: {
    description: 'Manage networks',
    verbs: { connect: 'network-connect', create: 'network-create', disconnect: 'network-disconnect', inspect: 'network-inspect', ls: 'network-ls', prune: 'network-prune', rm: 'network-rm' },
    aliases: { list: 'ls', remove: 'rm' },
  },
  volume: {
    description: 'Manage volumes',
    verbs: { create: 'volume-create', inspect: 'volume-inspect', ls: 'volume-ls', prune: 'volume-prune', rm: 'volume-rm' },
    aliases: { list: 'ls', remove: 'rm' },
  },
  builder: {
    description: 'Manage builds',
    verbs: { build: 'build', prune: 'builder-prune' },
    aliases: {},
  },
  system: {
    description: 'Manage Gantry',
    verbs: { boot: 'system-boot', df: 'system-df', events: 'events', info: 'info', prune: 'system-prune', service: 'system-service' },
    aliases: {},
  },
};

const exists = (name: string) => existsSync(join(COMMANDS_DIR, `${name}.js`));

export const isGroup = (word: string): boolean => Object.hasOwn(GROUPS, word);

/** The sub-verb a group's word names ("list" → "ls"), if the group has it. */
export function groupVerb(group: string, word: string): string | undefined {
  const g = GROUPS[group];
  if (!g) return undefined;
  const verb = Object.hasOwn(g.aliases, word) ? g.aliases[word]! : word;
  return Object.hasOwn(g.verbs, verb) ? verb : undefined;
}

/** Returns the module name for the words typed and how many words it consumed. */
export function resolveCommand(words: readonly string[], has: (name: string) => boolean = exists): [string, number] | undefined {
  const [first, second] = words;
  if (!first) return undefined;
  if (isGroup(first)) {
    const verb = second === undefined ? undefined : groupVerb(first, second);
    const module = verb && GROUPS[first]!.verbs[verb];
    return module && has(module) ? [module, 2] : undefined;
  }
  // Top-level verbs; module names with a dash are a group's (or internal, run by the monitor).
  if (has(first)) return [first, 1];
  return undefined;
}

/** The words `gantry --help` lists and completion offers: top-level verbs and the groups. */
export function topLevelNames(): string[] {
  const verbs = readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.js') && !f.includes('-'))
    .map((f) => f.slice(0, -3));
  return [...verbs, ...Object.keys(GROUPS)].sort();
}

/** Levenshtein distance, case-insensitive, as cobra computes it for suggestions. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** cobra's SuggestionsFor: names within distance 2 of what was typed, or starting with it. */
export const suggestionsFor = (typed: string, names: readonly string[]): string[] =>
  names.filter((n) => distance(typed, n) <= 2 || n.toLowerCase().startsWith(typed.toLowerCase()));
