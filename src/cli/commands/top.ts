import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: { name: 'top', usage: 'CONTAINER [ps OPTIONS]', description: 'Display the running processes of a container', minArgs: 1, stopAtFirstArg: true, flags: [] },
  async run(ctx, { args }) {
    const [ref, ...psArgs] = args;
    const engine = await openEngine(ctx);
    try {
      const top = await engine.containers.top(ref!, psArgs.length ? psArgs.join(' ') : undefined);
      const { tabulate } = await import('../tabwriter.js');
      // docker top's tabwriter: minwidth 20, padding 3.
      ctx.stdout.write(tabulate([top.Titles, ...top.Processes], { minwidth: 20, padding: 3 }));
    } finally {
      await engine.close();
    }
  },
};
