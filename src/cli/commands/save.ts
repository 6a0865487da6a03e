// `gantry save [-o FILE] IMAGE...`: docker-archive with an OCI layout inside.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'save',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    minArgs: 1,
    flags: [
      { name: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' },
      { name: 'platform', type: 'list', description: 'Save only the given platform(s)' },
    ],
  },
  async run(ctx, { flags, args }) {
    const output = flags.output as string | undefined;
    if (!output && ctx.stdout.isTTY) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const engine = await openEngine(ctx);
    try {
      const tar = await engine.images.save(args);
      if (!output) return void (await pipeline(tar, ctx.stdout));
      // Written beside the target and renamed, so a failed save leaves no truncated file.
      const tmp = `${output}.tmp-${process.pid}`;
      try {
        await pipeline(tar, createWriteStream(tmp));
        await rename(tmp, output);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    } finally {
      await engine.close();
    }
  },
};
