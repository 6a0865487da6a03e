// `gantry import FILE|URL|- [REPOSITORY[:TAG]]`: a rootfs tarball as a one-layer image.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Command } from '../command.js';

async function openSource(src: string, stdin: NodeJS.ReadableStream): Promise<Readable> {
  if (src === '-') return stdin as Readable;
  if (/^https?:\/\//.test(src)) {
    const res = await fetch(src);
    if (!res.ok || !res.body) throw invalidArgument(`import ${src}: ${res.status} ${res.statusText}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  const stream = createReadStream(src);
  await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  return stream;
}

export const command: Command = {
  spec: {
    name: 'import',
    usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
    description: 'Import the contents from a tarball to create a filesystem image',
    minArgs: 1,
    maxArgs: 2,
    flags: [
      { name: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
      { name: 'message', short: 'm', type: 'string', description: 'Set commit message for imported image' },
      { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
    ],
  },
  async run(ctx, { flags, args }) {
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const src = args[0]!;
    const id = await svc.importRootfs(await openSource(src, ctx.stdin), {
      reference: args[1],
      changes: flags.change as string[],
      message: flags.message as string | undefined,
      platform: flags.platform as string | undefined,
      source: src,
    });
    ctx.stdout.write(`${id}\n`);
  },
};
