// `gantry push NAME[:TAG]`: docker's output — "The push refers to repository [...]",
// per-layer Preparing/Pushing/Pushed/"Layer already exists"/"Mounted from", then
// "<tag>: digest: sha256:... size: N".
import { parseReference } from '../../oci/reference.js';
import { createProgressRenderer } from '../../images/progress.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

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
    const engine = await openEngine(ctx);
    try {
      await engine.images.push(ref.name, { tag: ref.tag, onProgress: quiet ? undefined : createProgressRenderer(ctx.stdout) });
    } finally {
      await engine.close();
    }
    if (quiet) ctx.stdout.write(`${ref.toString()}\n`);
  },
};
