// `gantry tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`.
import type { Command } from '../command.js';

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
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    await svc.tag(args[0]!, args[1]!);
  },
};
