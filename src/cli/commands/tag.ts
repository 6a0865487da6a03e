// `gantry tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`.
import { parseReference } from '../../oci/reference.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'tag',
    usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
    description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    minArgs: 2,
    maxArgs: 2,
    flags: [],
  },
  async run(ctx, { args }) {
    // the docker CLI sends the target as repo and tag
    const target = parseReference(args[1]!);
    if (target.digest) {
      const { invalidArgument } = await import('../../errdefs/index.js');
      throw invalidArgument('refusing to create a tag with a digest reference');
    }
    const engine = await openEngine(ctx);
    try {
      await engine.images.tag(args[0]!, target.name, target.tag);
    } finally {
      await engine.close();
    }
  },
};
