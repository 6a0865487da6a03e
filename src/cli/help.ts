// `gantry` / `gantry --help`: docker's layout, listing every command module.
// Loads every command's spec, so it is only imported for help.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { formatHelp, type CommandSpec } from './flags.js';
import type { Command } from './command.js';

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');
const GROUPS: Record<string, string> = {
  container: 'Manage containers',
  image: 'Manage images',
  network: 'Manage networks',
  volume: 'Manage volumes',
  system: 'Manage Gantry',
};

export async function globalHelp(globalSpec: CommandSpec, prog: string): Promise<string> {
  const names = readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3));
  const rows: [string, string][] = [];
  for (const name of names) {
    const { command } = (await import(`./commands/${name}.js`)) as { command: Command };
    if (command.spec.description.startsWith('Internal')) continue;
    const group = name.split('-')[0]!;
    if (name.includes('-') && group in GROUPS) continue; // listed under its group
    rows.push([name, command.spec.description]);
  }
  const width = Math.max(...rows.map(([n]) => n.length), ...Object.keys(GROUPS).map((g) => g.length)) + 3;
  const list = (entries: [string, string][]) => entries.map(([n, d]) => `  ${n.padEnd(width)}${d}`).join('\n');
  return [
    formatHelp(globalSpec, prog).trimEnd(),
    '',
    'Management Commands:',
    list(Object.entries(GROUPS)),
    '',
    'Commands:',
    list(rows.sort(([a], [b]) => a.localeCompare(b))),
    '',
    `Run '${prog} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/** `gantry image` with no verb: the group's sub-commands. */
export async function groupHelp(group: string, prog: string): Promise<string | undefined> {
  const about = GROUPS[group];
  if (!about) return undefined;
  const rows: [string, string][] = [];
  for (const f of readdirSync(COMMANDS_DIR)) {
    if (!f.startsWith(`${group}-`) || !f.endsWith('.js')) continue;
    const { command } = (await import(`./commands/${f}`)) as { command: Command };
    if (!command.spec.description.startsWith('Internal')) rows.push([f.slice(group.length + 1, -3), command.spec.description]);
  }
  const width = Math.max(0, ...rows.map(([n]) => n.length)) + 3;
  return [`\nUsage:  ${prog} ${group} COMMAND\n`, about, '', 'Commands:', ...rows.map(([n, d]) => `  ${n.padEnd(width)}${d}`), ''].join('\n');
}
