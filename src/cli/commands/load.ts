// `gantry load [-i FILE] [-q]`: docker-archive or OCI layout archives, any compression.
import { createReadStream } from 'node:fs';
import { invalidArgument } from '../../errdefs/index.js';
import { familiarString, parseReference } from '../../oci/reference.js';
import type { Command } from '../command.js';

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
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const loaded = await svc.load(input ? createReadStream(input) : ctx.stdin);
    for (const img of loaded) {
      if (img.names.length === 0) ctx.stdout.write(`Loaded image ID: ${img.id}\n`);
      for (const n of img.names) ctx.stdout.write(`Loaded image: ${familiarString(parseReference(n))}\n`);
    }
  },
};
