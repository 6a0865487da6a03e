// `gantry image inspect`: docker's JSON array, -f templates, exit 1 for unknown images.
import { isNotFound } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { formatInspect } from '../template.js';

export const command: Command = {
  spec: {
    name: 'image inspect',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Display detailed information on one or more images',
    minArgs: 1,
    flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }],
  },
  async run(ctx, { flags, args }) {
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const found: Record<string, unknown>[] = [];
    let status = 0;
    for (const a of args) {
      try {
        found.push(await svc.inspect(a));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        ctx.stderr.write(`Error: No such image: ${a}\n`);
        status = 1;
      }
    }
    ctx.stdout.write(formatInspect(flags.format as string | undefined, found));
    return status;
  },
};
