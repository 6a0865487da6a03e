// `gantry push NAME[:TAG]`: docker's output — "The push refers to repository [...]",
// per-layer Preparing/Pushing/Pushed/"Layer already exists"/"Mounted from", then
// "<tag>: digest: sha256:... size: N".
import { parseReference } from '../../oci/reference.js';
import { createProgressRenderer } from '../../images/progress.js';
import type { Command } from '../command.js';

export const command: Command = {
  spec: {
    name: 'push',
    usage: '[OPTIONS] NAME[:TAG]',
    description: 'Upload an image to a registry',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'all-tags', short: 'a', type: 'bool', description: 'Push all tags of an image to the repository' },
      { name: 'disable-content-trust', type: 'bool', default: true, description: 'Skip image signing' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
    ],
  },
  async run(ctx, { flags, args }) {
    const ref = parseReference(args[0]!);
    if (flags['all-tags']) {
      const { notImplemented } = await import('../../errdefs/index.js');
      throw notImplemented('push --all-tags is not supported');
    }
    const quiet = flags.quiet === true;
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    if (!quiet) ctx.stdout.write(`The push refers to repository [${ref.name}]\n`);
    await svc.push(ref.toString(), { onProgress: quiet ? undefined : createProgressRenderer(ctx.stdout) });
    if (quiet) ctx.stdout.write(`${ref.toString()}\n`);
  },
};
