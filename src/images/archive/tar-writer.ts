// A tar writer for layers and archives: ustar headers, PAX records (bytes, so
// binary xattrs survive) when a name, link, size or id does not fit, and the
// two zero blocks at the end. Output is deterministic for the same input.
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { TarEntryType } from './tar-reader.js';

export interface TarWriteHeader {
  name: string;
  type: Exclude<TarEntryType, 'other'>;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** Seconds since the epoch (whole seconds are written). */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const BLOCK = 512;
const FLAGS: Record<TarWriteHeader['type'], string> = {
  file: '0',
  'contiguous-file': '7',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

function octal(buf: Buffer, off: number, width: number, value: number): void {
  buf.write(Math.max(0, Math.floor(value)).toString(8).padStart(width - 1, '0') + '\0', off, width, 'latin1');
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length > len) len++;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Splits a long name into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitName(name: string): [string, string] | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return ['', name];
  if (bytes > 256) return undefined;
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function ustarHeader(h: TarWriteHeader, name: string, prefix: string, flag: string, size: number, linkname: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, Math.min(h.uid ?? 0, MAX_OCTAL_7));
  octal(b, 116, 8, Math.min(h.gid ?? 0, MAX_OCTAL_7));
  octal(b, 124, 12, Math.min(size, MAX_OCTAL_11));
  octal(b, 136, 12, Math.min(h.mtime ?? 0, MAX_OCTAL_11));
  b.write(flag, 156, 1, 'latin1');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  octal(b, 329, 8, h.devmajor ?? 0);
  octal(b, 337, 8, h.devminor ?? 0);
  b.write(prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

const padding = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** Header block(s) for one entry: a PAX extended header first when needed. */
export function encodeHeader(h: TarWriteHeader): Buffer {
  const size = h.type === 'file' || h.type === 'contiguous-file' ? (h.size ?? 0) : 0;
  const linkname = h.linkname ?? '';
  const records: Buffer[] = [];
  let split = splitName(h.name);
  if (!split) {
    records.push(paxRecord('path', Buffer.from(h.name)));
    split = ['', Buffer.from(h.name).subarray(0, 100).toString('utf8').replace(/\uFFFD+$/, '')];
  }
  let link = linkname;
  if (Buffer.byteLength(linkname) > 100) {
    records.push(paxRecord('linkpath', Buffer.from(linkname)));
    link = '';
  }
  if (size > MAX_OCTAL_11) records.push(paxRecord('size', Buffer.from(String(size))));
  if ((h.uid ?? 0) > MAX_OCTAL_7) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if ((h.gid ?? 0) > MAX_OCTAL_7) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  for (const [k, v] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = ustarHeader(h, split[1], split[0], FLAGS[h.type], size, link);
  if (records.length === 0) return main;
  const pax = Buffer.concat(records);
  const base = h.name.slice(h.name.lastIndexOf('/') + 1).slice(0, 80);
  const paxHeader = ustarHeader({ name: '', type: 'file', mode: 0o644, mtime: h.mtime }, `PaxHeaders/${base}`, '', 'x', pax.length, '');
  return Buffer.concat([paxHeader, pax, padding(pax.length), main]);
}

/** Writes entries to a stream (backpressure respected); call finish() once. */
export class TarWriter {
  readonly stream = new PassThrough();

  private async write(b: Buffer): Promise<void> {
    if (b.length > 0 && !this.stream.write(b)) await once(this.stream, 'drain');
  }

  async entry(h: TarWriteHeader, body?: Buffer | Readable): Promise<void> {
    const size = Buffer.isBuffer(body) ? body.length : (h.size ?? 0);
    await this.write(encodeHeader({ ...h, size }));
    if (body === undefined) return;
    let written = 0;
    if (Buffer.isBuffer(body)) {
      await this.write(body);
      written = body.length;
    } else {
      for await (const chunk of body) {
        const c = chunk as Buffer;
        // A file that grows while it is archived is cut at its stat size.
        const take = c.subarray(0, Math.max(0, size - written));
        await this.write(take);
        written += take.length;
      }
    }
    if (written < size) throw new Error(`archive ${h.name}: file shrank while being read`);
    await this.write(padding(size));
  }

  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.stream.end();
  }
}
