// `resume <id>`: thaws a paused container.
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'resume',
  usage: '<container-id>',
  description: 'The resume command resumes all processes in the instance of the container.',
  args: { exact: 1 },
  flags: [],
  async run(ctx, p) {
    await (await ctx.runtime()).resume(p.args[0]!);
    return 0;
  },
};
