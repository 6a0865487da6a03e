// `spec [--bundle DIR] [--rootless]`: writes the default config.json, refusing
// to overwrite one (runc's exact message, which tests and scripts match).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alreadyExists, notFound } from '../../errdefs/index.js';
import { defaultSpec, rootlessSpec } from '../default-spec.js';
import { flagBool, flagString } from './args.js';
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'spec',
  usage: '',
  description:
    'The spec command creates the new specification file named "config.json" for\n' +
    '   the bundle, with a busybox `sh` as its process.',
  args: { exact: 0 },
  flags: [
    { names: ['bundle', 'b'], kind: 'string', usage: 'path to the root of the bundle directory' },
    { names: ['rootless'], kind: 'bool', usage: 'generate a configuration for a rootless container' },
  ],
  async run(ctx, p) {
    const spec = flagBool(p, 'rootless') ? rootlessSpec(process.geteuid!(), process.getegid!()) : defaultSpec();
    const dir = flagString(p, 'bundle') ?? '.';
    const path = join(dir, 'config.json');
    try {
      // Go's MarshalIndent with a tab, like runc, and exclusive create.
      writeFileSync(path, JSON.stringify(spec, null, '\t'), { flag: 'wx', mode: 0o666 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw alreadyExists('File config.json exists. Remove it first');
      if (code === 'ENOENT') throw notFound(`chdir ${dir}: no such file or directory`);
      throw err;
    }
    ctx.log.debug(`wrote ${path}`);
    return 0;
  },
};
