import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: { name: 'wait', usage: 'CONTAINER [CONTAINER...]', description: 'Block until one or more containers stop, then print their exit codes', minArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openCliEngine(ctx);
    let failed = false;
    for (const ref of args) {
      try {
        const { StatusCode } = await engine.containers.wait(ref);
        ctx.stdout.write(`${StatusCode}\n`);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
