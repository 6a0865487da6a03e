import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: {
    name: 'stop',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Stop one or more running containers',
    minArgs: 1,
    flags: [
      { name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
      { name: 'time', short: 't', type: 'int', description: 'Seconds to wait before killing the container' },
      { name: 'timeout', type: 'int', hidden: true },
    ],
  },
  async run(ctx, { flags, args, set }) {
    const engine = await openEngine(ctx);
    const t = set.has('time') ? (flags.time as number) : set.has('timeout') ? (flags.timeout as number) : undefined;
    const signal = flags.signal as string | undefined;
    return forEachContainer(ctx, args, async (ref) => void (await engine.containers.stop(ref, { ...(t !== undefined ? { t } : {}), ...(signal ? { signal } : {}) })));
  },
};
