import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: { name: 'rename', usage: 'CONTAINER NEW_NAME', description: 'Rename a container', minArgs: 2, maxArgs: 2, flags: [] },
  async run(ctx, { args }) {
    const engine = await openEngine(ctx);
    await engine.containers.rename(args[0]!, args[1]!);
  },
};
