// `create --bundle B <id>`: sets the container up and leaves its init blocked
// on <root>/<id>/exec.fifo. Fds 0-2 of this process become the container's
// stdio; the init outlives this process and is reaped by the caller
// (containerd's shim, conmon), which is a subreaper.
import { flagBool } from './args.js';
import type { Verb } from './context.js';
import { BUNDLE_FLAGS, LAUNCH_FLAGS, bundlePath, launchOptions } from './launch-flags.js';

export const verb: Verb = {
  name: 'create',
  usage: '<container-id>',
  description:
    'The create command creates an instance of a container for a bundle. The bundle\n' +
    '   is a directory with a specification file named "config.json" and a root filesystem.',
  args: { exact: 1 },
  flags: [...BUNDLE_FLAGS, ...LAUNCH_FLAGS],
  async run(ctx, p) {
    await (await ctx.runtime()).create({
      id: p.args[0]!,
      bundle: bundlePath(p),
      noPivot: flagBool(p, 'no-pivot'),
      noNewKeyring: flagBool(p, 'no-new-keyring'),
      ...launchOptions(p),
    });
    return 0;
  },
};
