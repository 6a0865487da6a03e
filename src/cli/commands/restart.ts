import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
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
    const engine = await openEngine(ctx);
    const signal = flags.signal as string | undefined;
    const opts = { ...(set.has('time') ? { t: flags.time as number } : {}), ...(signal ? { signal } : {}) };
    return forEachContainer(ctx, args, (ref) => engine.containers.restart(ref, opts));
  },
};
