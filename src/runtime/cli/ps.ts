// `ps [--format table|json] <id> [ps args]`: json is the array of host pids
// (go-runc's Ps); table runs the host's ps (default `-ef`) and keeps the header
// and the lines whose PID belongs to the container (go-runc's Top).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { invalidArgument, wrap } from '../../errdefs/index.js';
import { flagString } from './args.js';
import type { Verb } from './context.js';

export function filterPsOutput(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw invalidArgument("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const kept = lines.slice(1).filter((line) => {
    if (line.length === 0) return false;
    const pid = Number(line.trim().split(/\s+/)[pidIndex]);
    return wanted.has(pid);
  });
  return [header, ...kept].map((l) => `${l}\n`).join('');
}

export const verb: Verb = {
  name: 'ps',
  usage: '<container-id> [ps options]',
  description: 'The ps command displays the processes running inside a container.',
  args: { min: 1 },
  stopAtFirstArg: true,
  flags: [{ names: ['format', 'f'], kind: 'string', usage: 'select one of: table or json', defaultText: '"table"' }],
  async run(ctx, p) {
    const [id, ...psArgs] = p.args as [string, ...string[]];
    const format = flagString(p, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw invalidArgument('invalid format option');
    const pids = await (await ctx.runtime()).pids(id);
    if (format === 'json') {
      ctx.stdout.write(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    let output: string;
    try {
      ({ stdout: output } = await promisify(execFile)('ps', psArgs.length > 0 ? psArgs : ['-ef'], { maxBuffer: 64 << 20 }));
    } catch (err) {
      throw wrap('ps', err);
    }
    ctx.stdout.write(filterPsOutput(output, pids));
    return 0;
  },
};
