// `gantry --help`, `gantry container --help` and the unknown-command message,
// in docker's layout. Loads command specs, so it is only imported for help.
import { readdirSync } from 'node:fs';
import { formatHelp, type CommandSpec } from './flags.js';
import type { Command } from './command.js';
import { COMMANDS_DIR, GROUPS, isGroup, suggestionsFor, topLevelNames } from './resolve.js';

/** Every command module, by module name, internal ones (run by the monitor) left out. */
export async function loadCommands(): Promise<Map<string, Command>> {
  const out = new Map<string, Command>();
  for (const f of readdirSync(COMMANDS_DIR).sort()) {
    if (!f.endsWith('.js')) continue;
    const name = f.slice(0, -3);
    const { command } = (await import(`./commands/${name}.js`)) as { command: Command };
    if (!command.spec.description.startsWith('Internal')) out.set(name, command);
  }
  return out;
}

/** cobra's command list: names right-padded to the longest (at least 11) plus one space. */
function commandList(rows: [string, string][]): string {
  const width = Math.max(11, ...rows.map(([n]) => n.length)) + 1;
  return rows.map(([n, d]) => `  ${n.padEnd(width)}${d}`).join('\n');
}

export async function globalHelp(globalSpec: CommandSpec, prog: string): Promise<string> {
  const commands = await loadCommands();
  const rows = topLevelNames()
    .filter((n) => commands.has(n))
    .map((n): [string, string] => [n, commands.get(n)!.spec.description]);
  return [
    formatHelp(globalSpec, prog).trimEnd(),
    '',
    'Management Commands:',
    commandList(Object.entries(GROUPS).map(([g, { description }]) => [g, description])),
    '',
    'Commands:',
    commandList(rows),
    '',
    `Run '${prog} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/** `gantry image` / `gantry image --help`: the group's sub-commands. */
export async function groupHelp(group: string, prog: string): Promise<string | undefined> {
  const g = GROUPS[group];
  if (!g) return undefined;
  const commands = await loadCommands();
  const rows = Object.entries(g.verbs)
    .filter(([, module]) => commands.has(module))
    .map(([verb, module]): [string, string] => [verb, commands.get(module)!.spec.description]);
  return [
    `\nUsage:  ${prog} ${group} COMMAND\n`,
    g.description,
    '',
    'Commands:',
    commandList(rows),
    '',
    `Run '${prog} ${group} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/** docker's "'x' is not a docker command." with cobra's "Did you mean this?" for near misses. */
export function unknownCommand(args: readonly string[], prog: string): string {
  const [first = '', second = ''] = args;
  const inGroup = isGroup(first) && second !== '' && !second.startsWith('-');
  const typed = inGroup ? second : first;
  const names = inGroup ? Object.keys(GROUPS[first]!.verbs) : topLevelNames();
  const suggestions = suggestionsFor(typed, names);
  const where = inGroup ? `${prog} ${first}` : prog;
  let text = `${prog}: '${inGroup ? `${first} ${second}` : first}' is not a ${prog} command.\nSee '${where} --help'\n`;
  if (suggestions.length) text += `\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join('')}`;
  return text;
}
