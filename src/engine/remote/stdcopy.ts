// docker's stdcopy framing for non-tty attach, exec and logs streams: an
// 8-byte header (stream byte, three zero bytes, big-endian uint32 length)
// before each payload. Stream 0 is stdin echoed to stdout, 3 a daemon error.
import { internal } from '../../errdefs/index.js';

export const STDCOPY_HEADER = 8;

export type StdStream = 0 | 1 | 2 | 3;

/** One frame on the wire. */
export function encodeFrame(stream: StdStream, payload: Buffer): Buffer {
  const header = Buffer.alloc(STDCOPY_HEADER);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/**
 * Reassembles frames from chunks cut anywhere. stdout and stderr payloads go
 * to onFrame (stream 0 counts as stdout, as in docker's client); a systemerr
 * frame throws its text as an error.
 */
export class StdcopyDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: 1 | 2, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (this.pending.length - off >= STDCOPY_HEADER) {
      const stream = this.pending[off]!;
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - STDCOPY_HEADER < size) break;
      const payload = this.pending.subarray(off + STDCOPY_HEADER, off + STDCOPY_HEADER + size);
      off += STDCOPY_HEADER + size;
      if (stream === 3) throw internal(`error from daemon in stream: ${payload.toString('utf8')}`);
      if (stream > 3) throw internal(`unrecognized input header: ${stream}`);
      if (payload.length) this.onFrame(stream === 2 ? 2 : 1, payload);
    }
    this.pending = this.pending.subarray(off);
  }

  /** Bytes of a frame cut short by the end of the stream. */
  get leftover(): number {
    return this.pending.length;
  }
}
