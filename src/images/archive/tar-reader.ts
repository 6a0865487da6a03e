// A streaming tar reader (ustar, GNU long names, PAX). Written for the layer
// path instead of using tar-stream's parser because PAX values must stay bytes:
// xattrs such as security.capability are binary and do not survive a UTF-8
// round trip. Bodies are handed out as views of the input chunks (no copies).
import { invalidArgument } from '../../errdefs/index.js';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | 'other';

export interface TarEntryHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds, may be fractional (PAX)
  atime?: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};

const truncated = () => invalidArgument('unexpected end of tar stream (truncated layer)');

class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    }
    return this.buf.length >= n;
  }

  /** Exactly n bytes; undefined at a clean end of input; throws when input ends inside them. */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) {
      if (this.buf.length === 0) return undefined;
      throw truncated();
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async *chunks(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (this.buf.length === 0 && !(await this.fill(1))) throw truncated();
      const take = Math.min(n, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      n -= take;
      yield out;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.chunks(n));
  }

  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (!(await this.it.next()).done);
    this.done = true;
  }
}

function cstring(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function number(b: Buffer): number {
  if (b[0]! & 0x80) {
    // GNU base-256 (big numbers and negative times)
    let v = BigInt(b[0]! & 0x7f);
    for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
    return Number(v);
  }
  const s = cstring(b).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === number(h.subarray(148, 156));
}

/** Parses PAX records ("len key=value\n"), values kept as bytes. */
function parsePax(b: Buffer, into: Map<string, Buffer>): void {
  let off = 0;
  while (off < b.length) {
    const sp = b.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(b.subarray(off, sp).toString(), 10);
    if (!(len > 0) || off + len > b.length) throw invalidArgument('invalid PAX header record');
    const rec = b.subarray(sp + 1, off + len - 1); // without the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq > 0) into.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    off += len;
  }
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/**
 * Yields the entries of a tar stream in order; each body must be consumed (or is
 * skipped) before the next entry is read. After the end-of-archive marker the rest
 * of the input is read to its end, so a digest computed over the input is complete.
 */
export async function* readTar(input: AsyncIterable<Buffer>): AsyncGenerator<{ header: TarEntryHeader; body: AsyncIterable<Buffer> }> {
  const r = new ByteReader(input[Symbol.asyncIterator]());
  const globalPax = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const h = await r.read(BLOCK);
    if (!h || h.every((x) => x === 0)) break;
    if (!checksumOk(h)) throw invalidArgument('invalid tar header checksum (corrupt layer)');
    const flag = String.fromCharCode(h[156]!);
    const size = number(h.subarray(124, 136));
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = await r.read(size + pad(size));
      if (!data) throw truncated();
      const body = data.subarray(0, size);
      if (flag === 'x') parsePax(body, pax);
      else if (flag === 'g') parsePax(body, globalPax);
      else if (flag === 'L') longName = cstring(body);
      else longLink = cstring(body);
      continue;
    }
    const records = new Map([...globalPax, ...pax]);
    const text = (k: string) => records.get(k)?.toString('utf8');
    const ustar = h.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = ustar ? cstring(h.subarray(345, 500)) : '';
    let name = text('path') ?? longName ?? (prefix ? `${prefix}/${cstring(h.subarray(0, 100))}` : cstring(h.subarray(0, 100)));
    let type = TYPES[flag] ?? 'other';
    // Old tars mark directories only by a trailing slash.
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    name = name.replace(/\/+$/, '') || (type === 'directory' ? '.' : name);
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of records) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
    const realSize = text('size') !== undefined ? Number(text('size')) : size;
    const header: TarEntryHeader = {
      name,
      type,
      mode: number(h.subarray(100, 108)),
      uid: text('uid') !== undefined ? Number(text('uid')) : number(h.subarray(108, 116)),
      gid: text('gid') !== undefined ? Number(text('gid')) : number(h.subarray(116, 124)),
      size: type === 'file' || type === 'contiguous-file' || type === 'other' ? realSize : 0,
      mtime: text('mtime') !== undefined ? Number(text('mtime')) : number(h.subarray(136, 148)),
      atime: text('atime') !== undefined ? Number(text('atime')) : undefined,
      linkname: text('linkpath') ?? longLink ?? cstring(h.subarray(157, 257)),
      devmajor: number(h.subarray(329, 337)),
      devminor: number(h.subarray(337, 345)),
      xattrs,
    };
    pax = new Map();
    longName = longLink = undefined;
    // Hardlinks and special files may declare a size but carry no data.
    const dataSize = type === 'file' || type === 'contiguous-file' || type === 'other' ? realSize : 0;
    let consumed = 0;
    const body = (async function* () {
      for await (const chunk of r.chunks(dataSize)) {
        consumed += chunk.length;
        yield chunk;
      }
    })();
    yield { header, body };
    if (consumed < dataSize) await r.skip(dataSize - consumed);
    await r.skip(pad(dataSize));
  }
  await r.drain();
}
