// `gantry import FILE|URL|- [REPOSITORY[:TAG]]`: a rootfs tarball as a one-layer image.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseReference } from '../../oci/reference.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

/** A file or stdin is sent as the tar stream (as the docker CLI does); a URL goes to the engine, which fetches it. */
async function openSource(src: string, stdin: NodeJS.ReadableStream): Promise<Readable | string> {
  if (src === '-') return stdin as Readable;
  if (/^https?:\/\//.test(src)) return src;
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
    const target = args[1] === undefined ? undefined : parseReference(args[1]);
    const engine = await openEngine(ctx);
    try {
      const id = await engine.images.import(await openSource(args[0]!, ctx.stdin), {
        repo: target?.name,
        tag: target?.tag,
        changes: flags.change as string[],
        message: flags.message as string | undefined,
        platform: flags.platform as string | undefined,
      });
      ctx.stdout.write(`${id}\n`);
    } finally {
      await engine.close();
    }
  },
};
