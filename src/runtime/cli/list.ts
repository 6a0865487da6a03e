// `list [--format table|json] [-q]`: the containers under --root.
import { invalidArgument } from '../../errdefs/index.js';
import type { ContainerState } from '../api.js';
import { flagBool, flagString } from './args.js';
import type { Verb } from './context.js';
import { stateJson } from './state-json.js';
import { formatTable } from './table.js';

export function formatList(states: readonly ContainerState[], format: string, quiet: boolean): string {
  if (quiet) return states.map((s) => `${s.id}\n`).join('');
  if (format === 'json') {
    // runc encodes a nil slice: "null" when there are no containers.
    return `${states.length === 0 ? 'null' : JSON.stringify(states.map(stateJson))}\n`;
  }
  if (format !== 'table') throw invalidArgument(`invalid format option`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
  return formatTable(rows);
}

export const verb: Verb = {
  name: 'list',
  usage: '',
  description: 'The list command lists containers started by gantry-runtime with the given root.',
  args: { exact: 0 },
  flags: [
    { names: ['format', 'f'], kind: 'string', usage: 'select one of: table or json', defaultText: '"table"' },
    { names: ['quiet', 'q'], kind: 'bool', usage: 'display only container IDs' },
  ],
  async run(ctx, p) {
    const format = flagString(p, 'format') ?? 'table';
    const quiet = flagBool(p, 'quiet');
    if (!quiet && format !== 'table' && format !== 'json') throw invalidArgument('invalid format option');
    const states = await (await ctx.runtime()).list();
    ctx.stdout.write(formatList(states, format, quiet));
    return 0;
  },
};
