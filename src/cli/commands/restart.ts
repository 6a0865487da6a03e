import type { Command } from '../command.js';
import { parseSignal } from '../../runtime/signals.js';
import { openCliEngine } from './run.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: {
    name: 'restart',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Restart one or more containers',
    minArgs: 1,
    flags: [
      { name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
      { name: 'time', short: 't', type: 'int', description: 'Seconds to wait before killing the container' },
    ],
  },
  async run(ctx, { flags, args, set }) {
    const engine = await openCliEngine(ctx);
    return forEachContainer(ctx, args, async (ref) => {
      const rec = await engine.containers.get(ref);
      const signal = parseSignal((flags.signal as string | undefined) ?? rec.Config.StopSignal ?? 'SIGTERM');
      await engine.containers.stop(ref, set.has('time') ? (flags.time as number) : undefined, signal);
      await engine.containers.start(rec.Id);
      await engine.containers.event(rec, 'restart');
    });
  },
};
