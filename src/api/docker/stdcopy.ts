// docker's stdcopy framing for non-tty attach, exec and logs streams: each
// chunk is an 8-byte header (stream: 0 stdin, 1 stdout, 2 stderr; three zero
// bytes; big-endian 32-bit length) followed by the payload.
export function stdcopyFrame(stream: 0 | 1 | 2, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Splits a byte stream back into frames (tests and tools); keeps a partial frame for the next push. */
export class StdcopyDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: number; data: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: { stream: number; data: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      frames.push({ stream: this.pending[0]!, data: this.pending.subarray(8, 8 + length) });
      this.pending = this.pending.subarray(8 + length);
    }
    return frames;
  }
}
