// `gantry rmi` / `gantry image rm`: untag, delete when the last name goes; refused
// while a container uses the image unless forced. Errors per image, exit 1 if any.
import { GantryError } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'rmi',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Remove one or more images',
    minArgs: 1,
    flags: [
      { name: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
      { name: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    let status = 0;
    try {
      for (const a of args) {
        try {
          const results = await engine.images.remove(a, { force: Boolean(flags.force), noprune: Boolean(flags['no-prune']) });
          for (const r of results) ctx.stdout.write('Untagged' in r ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`);
        } catch (err) {
          if (!(err instanceof GantryError)) throw err;
          ctx.stderr.write(`Error response from daemon: ${err.message}\n`);
          status = 1;
        }
      }
    } finally {
      await engine.close();
    }
    return status;
  },
};

