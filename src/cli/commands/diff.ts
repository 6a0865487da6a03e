import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { containerChanges } from '../../engine/changes.js';

export const command: Command = {
  spec: { name: 'diff', usage: 'CONTAINER', description: "Inspect changes to files or directories on a container's filesystem", minArgs: 1, maxArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openCliEngine(ctx);
    const lines = await containerChanges(engine, args[0]!);
    ctx.stdout.write(lines.map((l) => `${l}\n`).join(''));
  },
};
