// `gantry load [-i FILE] [-q]`: docker-archive or OCI layout archives, any compression.
import { createReadStream } from 'node:fs';
import { invalidArgument } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'load',
    usage: '[OPTIONS]',
    description: 'Load an image from a tar archive or STDIN',
    maxArgs: 0,
    flags: [
      { name: 'input', short: 'i', type: 'string', description: 'Read from tar archive file, instead of STDIN' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the load output' },
      { name: 'platform', type: 'list', description: 'Load only the given platform(s)' },
    ],
  },
  async run(ctx, { flags }) {
    const input = flags.input as string | undefined;
    if (!input && ctx.stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
    const engine = await openEngine(ctx);
    try {
      const lines = await engine.images.load(input ? createReadStream(input) : ctx.stdin, { quiet: Boolean(flags.quiet) });
      ctx.stdout.write(lines.map((l) => l + '\n').join(''));
    } finally {
      await engine.close();
    }
  },
};
