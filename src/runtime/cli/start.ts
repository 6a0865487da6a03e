// `start <id>`: releases a created container's init to exec the user process.
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'start',
  usage: '<container-id>',
  description: 'The start command executes the user defined process in a created container.',
  args: { exact: 1 },
  flags: [],
  async run(ctx, p) {
    await (await ctx.runtime()).start(p.args[0]!);
    return 0;
  },
};
