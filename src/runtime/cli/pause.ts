// `pause <id>`: freezes every process of the container (cgroup freezer).
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'pause',
  usage: '<container-id>',
  description: 'The pause command suspends all processes in the instance of the container.',
  args: { exact: 1 },
  flags: [],
  async run(ctx, p) {
    await (await ctx.runtime()).pause(p.args[0]!);
    return 0;
  },
};
