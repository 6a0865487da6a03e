import type { Command } from '../command.js';
import { UsageError } from '../flags.js';
import { openCliEngine, parseDuration } from './run.js';

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
    const engine = await openCliEngine(ctx);
    const rec = await engine.containers.get(args[0]!);
    if (rec.HostConfig.LogConfig.Type === 'none') {
      ctx.stderr.write('Error response from daemon: configured logging driver does not support reading\n');
      return 1;
    }
    const tail = String(flags.tail);
    const { readLogs } = await import('../../engine/logs.js');
    const entries = readLogs(
      rec.LogPath,
      {
        follow: Boolean(flags.follow),
        ...(tail !== 'all' && /^\d+$/.test(tail) ? { tail: Number(tail) } : {}),
        ...(flags.since ? { since: parseTime('since', String(flags.since)) } : {}),
        ...(flags.until ? { until: parseTime('until', String(flags.until)) } : {}),
      },
      async () => (await engine.containers.get(rec.Id).catch(() => undefined))?.State.Running ?? false,
    );
    for await (const e of entries) {
      const line = flags.timestamps ? `${e.time} ${e.log}` : e.log;
      (e.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(line);
    }
    return 0;
  },
};
