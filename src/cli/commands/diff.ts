import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

const KIND_LETTER = ['C', 'A', 'D'] as const;

export const command: Command = {
  spec: { name: 'diff', usage: 'CONTAINER', description: "Inspect changes to files or directories on a container's filesystem", minArgs: 1, maxArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openEngine(ctx);
    try {
      const changes = await engine.containers.changes(args[0]!);
      ctx.stdout.write(changes.map((c) => `${KIND_LETTER[c.Kind]} ${c.Path}\n`).join(''));
    } finally {
      await engine.close();
    }
  },
};
