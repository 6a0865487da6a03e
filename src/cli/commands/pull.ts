// `gantry pull [-q] [--platform P] NAME[:TAG|@DIGEST]`: docker's output — per-layer
// progress (bars on a terminal), Digest/Status lines, then the full reference.
import { hasExplicitTagOrDigest, parseReference } from '../../oci/reference.js';
import { createProgressRenderer } from '../../images/progress.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'pull',
    usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
    description: 'Download an image from a registry',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'all-tags', short: 'a', type: 'bool', description: 'Download all tagged images in the repository' },
      { name: 'disable-content-trust', type: 'bool', default: true, description: 'Skip image verification' },
      { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
    ],
  },
  async run(ctx, { flags, args }) {
    const name = args[0]!;
    const ref = parseReference(name);
    if (flags['all-tags']) {
      const { notImplemented } = await import('../../errdefs/index.js');
      throw notImplemented('pull --all-tags is not supported');
    }
    const quiet = flags.quiet === true;
    if (!quiet && !hasExplicitTagOrDigest(name)) ctx.stdout.write('Using default tag: latest\n');
    const engine = await openEngine(ctx);
    try {
      await engine.images.pull({
        fromImage: ref.toString(),
        platform: (flags.platform as string | undefined) || process.env.DOCKER_DEFAULT_PLATFORM || undefined,
        onProgress: quiet ? undefined : createProgressRenderer(ctx.stdout),
      });
    } finally {
      await engine.close();
    }
    ctx.stdout.write(`${ref.toString()}\n`);
  },
};
