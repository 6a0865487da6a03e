// `events [--stats] [--interval 5s] <id>`: with --stats one stats object
// (go-runc's Stats); otherwise a stream of stats objects every interval and
// an {"type":"oom"} object whenever the kernel OOM-kills in the container,
// until the container stops (go-runc's Events).
import { setTimeout as sleep } from 'node:timers/promises';
import { failedPrecondition, isNotFound } from '../../errdefs/index.js';
import type { Runtime } from '../api.js';
import { flagBool, flagString } from './args.js';
import type { Verb } from './context.js';
import { parseGoDuration } from './duration.js';
import { oomEvent, statsEvent } from './events-json.js';

async function isRunning(rt: Runtime, id: string): Promise<boolean> {
  try {
    const { status } = await rt.state(id);
    return status === 'running' || status === 'paused' || status === 'created';
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export const verb: Verb = {
  name: 'events',
  usage: '<container-id>',
  description: 'The events command displays information about the container. By default the\n   information is displayed once every 5 seconds.',
  args: { exact: 1 },
  flags: [
    { names: ['interval'], kind: 'string', usage: 'set the stats collection interval', defaultText: '5s' },
    { names: ['stats'], kind: 'bool', usage: 'display the container\'s stats then exit' },
  ],
  async run(ctx, p) {
    const id = p.args[0]!;
    const interval = parseGoDuration(flagString(p, 'interval') ?? '5s');
    const rt = await ctx.runtime();
    const state = await rt.state(id);
    if (state.status === 'stopped') throw failedPrecondition(`container with id ${id} is not running`);
    const emit = (obj: object) => ctx.stdout.write(`${JSON.stringify(obj)}\n`);
    if (flagBool(p, 'stats')) {
      emit(statsEvent(id, await rt.stats(id)));
      return 0;
    }
    const ooms = () => rt.oomKillCount(id).catch(() => 0);
    let seenOoms = await ooms();
    // Poll OOMs more often than stats so the event is timely at long intervals.
    const tick = Math.min(interval, 250);
    let nextStats = 0;
    const reportOoms = async () => {
      const count = await ooms();
      for (; seenOoms < count; seenOoms++) emit(oomEvent(id));
    };
    while (await isRunning(rt, id)) {
      await reportOoms();
      if (Date.now() >= nextStats) {
        try {
          emit(statsEvent(id, await rt.stats(id)));
        } catch (err) {
          if (!(await isRunning(rt, id))) break;
          ctx.log.warn(`events: stats: ${(err as Error).message}`);
        }
        nextStats = Date.now() + interval;
      }
      await sleep(tick);
    }
    // an OOM kill of the init ends the container before the next tick (its cgroup remains until delete)
    await reportOoms();
    return 0;
  },
};
