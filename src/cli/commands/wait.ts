import type { Command } from '../command.js';
import { errorText } from '../error-text.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: { name: 'wait', usage: 'CONTAINER [CONTAINER...]', description: 'Block until one or more containers stop, then print their exit codes', minArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openEngine(ctx);
    let failed = false;
    for (const ref of args) {
      try {
        const { StatusCode } = await (await engine.containers.wait(ref)).result;
        ctx.stdout.write(`${StatusCode}\n`);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${errorText(err)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
