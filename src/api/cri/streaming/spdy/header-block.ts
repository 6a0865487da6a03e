// SPDY/3 header blocks: a count, then length-prefixed names and values (a
// value may hold several, NUL-separated), all compressed with zlib. Each
// direction of a connection is one zlib stream that starts from the SPDY
// dictionary and is sync-flushed after every block, so one inflate and one
// deflate context live as long as the connection and see every block in order.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './framing.js';

/** Header names (lowercase) to their values. */
export type Headers = Map<string, string[]>;

/** A decompressed block larger than this ends the connection: no k8s stream needs more. */
const MAX_BLOCK = 256 * 1024;

export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    for (const s of [name.toLowerCase(), values.join('\0')]) {
      const b = Buffer.from(s, 'utf8');
      parts.push(u32(b.length), b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > block.length) throw new SpdyProtocolError('truncated header block');
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  const string = () => take(take(4).readUInt32BE(0)).toString('utf8');
  const headers: Headers = new Map();
  const count = take(4).readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const name = string();
    const value = string();
    if (!name) throw new SpdyProtocolError('empty header name');
    headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), ...value.split('\0')]);
  }
  if (at !== block.length) throw new SpdyProtocolError('trailing bytes after the header block');
  return headers;
}

/** One connection's two zlib contexts. Calls to each direction are handled in order. */
export class HeaderCompression {
  private readonly inflater = new FlushedStream(createInflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly deflater = new FlushedStream(createDeflate({ dictionary: SPDY3_DICTIONARY }));

  async compress(headers: Headers): Promise<Buffer> {
    return this.deflater.run(encodeHeaderBlock(headers));
  }

  async decompress(block: Buffer): Promise<Headers> {
    return decodeHeaderBlock(await this.inflater.run(block));
  }

  close(): void {
    this.inflater.close();
    this.deflater.close();
  }
}

/** A zlib stream driven one sync-flushed block at a time. */
class FlushedStream {
  private out: Buffer[] = [];
  private outLength = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  /** The block in progress's reject: a zlib error does not call the flush back. */
  private fail: ((err: Error) => void) | undefined;

  constructor(private readonly z: Inflate | Deflate) {
    z.on('data', (chunk: Buffer) => {
      this.out.push(chunk);
      this.outLength += chunk.length;
      if (this.outLength > MAX_BLOCK) z.destroy(new Error(`a header block over ${MAX_BLOCK} bytes`));
    });
    z.on('error', (err: Error) => {
      this.failure = new SpdyProtocolError(`header compression: ${err.message}`);
      this.fail?.(this.failure);
    });
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.fail = reject;
          this.z.write(input);
          // zlib hands the flushed output to 'data' before it calls back.
          this.z.flush(constants.Z_SYNC_FLUSH, () => {
            this.fail = undefined;
            const result = Buffer.concat(this.out, this.outLength);
            this.out = [];
            this.outLength = 0;
            resolve(result);
          });
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.z.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
