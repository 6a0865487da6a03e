// `delete [--force] <id>`: removes a stopped container; --force kills a running
// one first and, like runc, succeeds when the container is already gone
// (podman and CRI-O always delete with --force in their cleanup paths).
import { isNotFound } from '../../errdefs/index.js';
import { flagBool } from './args.js';
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'delete',
  usage: '<container-id>',
  description: 'The delete command deletes any resources held by the container, often used with detached containers.',
  args: { exact: 1 },
  flags: [{ names: ['force', 'f'], kind: 'bool', usage: 'Forcibly deletes the container if it is still running (uses SIGKILL)' }],
  async run(ctx, p) {
    const force = flagBool(p, 'force');
    try {
      await (await ctx.runtime()).delete(p.args[0]!, { force });
    } catch (err) {
      if (!(force && isNotFound(err))) throw err;
    }
    return 0;
  },
};
