import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: { name: 'unpause', usage: 'CONTAINER [CONTAINER...]', description: 'Unpause all processes within one or more containers', minArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openCliEngine(ctx);
    return forEachContainer(ctx, args, (ref) => engine.containers.setPaused(ref, false));
  },
};
