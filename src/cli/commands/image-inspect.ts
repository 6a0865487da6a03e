// `gantry image inspect`: docker's JSON array, -f templates, exit 1 for unknown images.
import { isNotFound } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
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
    const engine = await openEngine(ctx);
    const found: unknown[] = [];
    let status = 0;
    try {
      for (const a of args) {
        try {
          found.push(await engine.images.inspect(a));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          ctx.stderr.write(`Error: No such image: ${a}\n`);
          status = 1;
        }
      }
    } finally {
      await engine.close();
    }
    ctx.stdout.write(formatInspect(flags.format as string | undefined, found));
    return status;
  },
};
