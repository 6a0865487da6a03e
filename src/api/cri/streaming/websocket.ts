// RFC 6455 framing over an upgraded socket: enough of WebSocket for the
// Kubernetes channel protocols (whole binary/text messages, ping/pong, close).
// Written here rather than taken from a package: the server side is a frame
// parser and a header, and the streaming server needs nothing else.
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Larger messages close the connection (1009): no channel message is that big. */
const MAX_MESSAGE = 16 * 1024 * 1024;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export interface WebSocketMessage {
  binary: boolean;
  data: Buffer;
}

/**
 * One endpoint of an open WebSocket. A server sends unmasked frames; a client
 * masks its frames, as the RFC requires of each role.
 */
export class WebSocket {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closeSent = false;
  private closed = false;
  private readonly messageHandlers: ((m: WebSocketMessage) => void)[] = [];
  private readonly closeHandlers: ((code: number) => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly role: 'server' | 'client',
    head?: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.finish(1006));
    socket.on('close', () => this.finish(1006));
    if (head?.length) queueMicrotask(() => this.receive(head));
  }

  onMessage(fn: (m: WebSocketMessage) => void): void {
    this.messageHandlers.push(fn);
  }

  /** Called once, when the connection is gone (the peer's close code, or 1006). */
  onClose(fn: (code: number) => void): void {
    this.closeHandlers.push(fn);
  }

  get isOpen(): boolean {
    return !this.closeSent && !this.closed;
  }

  /** False when the socket's buffer is full: wait for onDrain before sending more. */
  send(data: Buffer, binary = true): boolean {
    return this.isOpen ? this.writeFrame(binary ? OP_BINARY : OP_TEXT, data) : true;
  }

  onDrain(fn: () => void): void {
    this.socket.on('drain', fn);
  }

  /** Starts the closing handshake; the socket ends when the peer answers (or at once if it is gone). */
  close(code = 1000): void {
    if (this.closeSent || this.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.writeFrame(OP_CLOSE, payload);
    this.closeSent = true;
    // A peer that never answers must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private writeFrame(opcode: number, payload: Buffer): boolean {
    const masked = this.role === 'client';
    const len = payload.length;
    const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
    const header = Buffer.alloc(2 + lenBytes + (masked ? 4 : 0));
    header[0] = 0x80 | opcode;
    header[1] = (masked ? 0x80 : 0) | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
    if (lenBytes === 2) header.writeUInt16BE(len, 2);
    else if (lenBytes === 8) header.writeBigUInt64BE(BigInt(len), 2);
    let body = payload;
    if (masked) {
      const mask = randomBytes(4);
      mask.copy(header, 2 + lenBytes);
      body = applyMask(payload, mask);
    }
    return this.socket.write(Buffer.concat([header, body]));
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const frame = parseFrame(this.buffered);
      if (frame === 'incomplete') return;
      if (frame === 'too-big') return this.fail(1009);
      this.buffered = this.buffered.subarray(frame.size);
      this.handleFrame(frame.fin, frame.opcode, frame.payload);
      if (this.closed) return;
    }
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        if (this.isOpen) this.writeFrame(OP_PONG, payload);
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.closeSent) {
          this.writeFrame(OP_CLOSE, payload.subarray(0, 2));
          this.closeSent = true;
        }
        this.socket.end();
        return this.finish(code);
      }
      case OP_TEXT:
      case OP_BINARY:
        this.fragmentOpcode = opcode;
        this.fragments = [payload];
        break;
      case OP_CONTINUATION:
        this.fragments.push(payload);
        break;
      default:
        return this.fail(1002);
    }
    if (this.fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) return this.fail(1009);
    if (!fin) return;
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    const m = { binary: this.fragmentOpcode === OP_BINARY, data };
    for (const fn of this.messageHandlers) fn(m);
  }

  private fail(code: number): void {
    this.close(code);
    this.socket.end();
    this.finish(code);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeHandlers) fn(code);
  }
}

type Frame = { fin: boolean; opcode: number; payload: Buffer; size: number };

function parseFrame(buf: Buffer): Frame | 'incomplete' | 'too-big' {
  if (buf.length < 2) return 'incomplete';
  const fin = (buf[0]! & 0x80) !== 0;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return 'incomplete';
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return 'incomplete';
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(MAX_MESSAGE)) return 'too-big';
    len = Number(big);
    offset = 10;
  }
  if (len > MAX_MESSAGE) return 'too-big';
  const maskAt = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return 'incomplete';
  const raw = buf.subarray(offset, offset + len);
  const payload = masked ? applyMask(raw, buf.subarray(maskAt, maskAt + 4)) : Buffer.from(raw);
  return { fin, opcode, payload, size: offset + len };
}

function applyMask(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i & 3]!;
  return out;
}
