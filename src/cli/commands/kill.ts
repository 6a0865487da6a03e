import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: {
    name: 'kill',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Kill one or more running containers',
    minArgs: 1,
    flags: [{ name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' }],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    const signal = (flags.signal as string | undefined) ?? 'KILL';
    return forEachContainer(ctx, args, (ref) => engine.containers.kill(ref, signal));
  },
};
