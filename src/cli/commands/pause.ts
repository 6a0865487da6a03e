import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: { name: 'pause', usage: 'CONTAINER [CONTAINER...]', description: 'Pause all processes within one or more containers', minArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openEngine(ctx);
    return forEachContainer(ctx, args, (ref) => engine.containers.pause(ref));
  },
};
