// `run [--detach] --bundle B <id>`: create + start. In the foreground it waits
// and exits with the container's exit code (128+signal when killed).
import { flagBool } from './args.js';
import type { Verb } from './context.js';
import { BUNDLE_FLAGS, LAUNCH_FLAGS, bundlePath, launchOptions } from './launch-flags.js';

export const verb: Verb = {
  name: 'run',
  usage: '<container-id>',
  description:
    'The run command creates an instance of a container for a bundle and starts it.\n' +
    '   Without --detach it waits for the container and exits with its exit code.',
  args: { exact: 1 },
  flags: [
    ...BUNDLE_FLAGS,
    ...LAUNCH_FLAGS,
    { names: ['detach', 'd'], kind: 'bool', usage: 'detach from the container\'s process' },
    { names: ['keep'], kind: 'bool', usage: 'do not delete the container after it exits' },
    { names: ['no-subreaper'], kind: 'bool', usage: 'disable the use of the subreaper used to reap reparented processes' },
  ],
  async run(ctx, p) {
    return (await ctx.runtime()).run({
      id: p.args[0]!,
      bundle: bundlePath(p),
      noPivot: flagBool(p, 'no-pivot'),
      noNewKeyring: flagBool(p, 'no-new-keyring'),
      detach: flagBool(p, 'detach'),
      keep: flagBool(p, 'keep'),
      ...launchOptions(p),
    });
  },
};
