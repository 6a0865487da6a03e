import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { invalidArgument } from '../../errdefs/index.js';

export const command: Command = {
  spec: {
    name: 'export',
    usage: '[OPTIONS] CONTAINER',
    description: "Export a container's filesystem as a tar archive",
    minArgs: 1,
    maxArgs: 1,
    flags: [{ name: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' }],
  },
  async run(ctx, { flags, args }) {
    const output = flags.output as string | undefined;
    if (!output && ctx.stdout.isTTY) throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const engine = await openEngine(ctx);
    try {
      const tar = await engine.containers.export(args[0]!);
      await pipeline(tar, output ? createWriteStream(output) : ctx.stdout, { end: Boolean(output) });
    } finally {
      await engine.close();
    }
  },
};
