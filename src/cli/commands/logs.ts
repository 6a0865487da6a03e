import type { Command } from '../command.js';
import { UsageError } from '../flags.js';
import { openEngine } from '../engine-client.js';
import { parseDuration } from './run.js';

/** docker's --since/--until: RFC 3339, Unix seconds, or a duration before now ("10m"). */
function parseTime(flag: string, v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return t / 1000;
  try {
    return Date.now() / 1000 - parseDuration(flag, v) / 1e9;
  } catch {
    throw new UsageError(`invalid value for "${flag}": failed to parse value as time or duration: "${v}"`);
  }
}

export const command: Command = {
  spec: {
    name: 'logs',
    usage: '[OPTIONS] CONTAINER',
    description: 'Fetch the logs of a container',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'details', type: 'bool', description: 'Show extra details provided to logs' },
      { name: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
      { name: 'since', type: 'string', description: 'Show logs since timestamp or relative' },
      { name: 'tail', short: 'n', type: 'string', default: 'all', description: 'Number of lines to show from the end of the logs' },
      { name: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
      { name: 'until', type: 'string', description: 'Show logs before a timestamp or relative' },
    ],
  },
  async run(ctx, { flags, args }) {
    const tail = String(flags.tail);
    const engine = await openEngine(ctx);
    try {
      const chunks = await engine.containers.logs(args[0]!, {
        follow: Boolean(flags.follow),
        stdout: true,
        stderr: true,
        timestamps: Boolean(flags.timestamps),
        ...(tail !== 'all' && /^\d+$/.test(tail) ? { tail: Number(tail) } : {}),
        ...(flags.since ? { since: parseTime('since', String(flags.since)) } : {}),
        ...(flags.until ? { until: parseTime('until', String(flags.until)) } : {}),
      });
      for await (const c of chunks) (c.stream === 2 ? ctx.stderr : ctx.stdout).write(c.data);
    } finally {
      await engine.close();
    }
    return 0;
  },
};
