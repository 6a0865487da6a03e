// The server end of a SPDY/3.1 connection on an upgraded socket: the client
// opens the streams (odd ids, SYN_STREAM), the server replies, both send DATA
// and finish with FIN; PING is echoed, SETTINGS ignored, GOAWAY ends it.
//
// Frames are handled strictly in arrival order: a header block's inflate is
// asynchronous, so each frame waits for the one before. Frames sent keep their
// order too: a SYN_REPLY whose block is being compressed holds back what follows.
//
// Flow control: the peer's window is opened again (WINDOW_UPDATE) as its data
// arrives. The peer's WINDOW_UPDATEs are accepted but the server does not stop
// at a closed window: spdystream, the library the kubelet's clients use, never
// sends one, so honouring the window would stall every stream at 64 KiB.
import type { Duplex } from 'node:stream';
import { decodeFrame, encodeFrame, GOAWAY, RST, SpdyProtocolError, type Frame } from './framing.js';
import { HeaderCompression, type Headers } from './header-block.js';

/** Larger writes are split into DATA frames of this size. */
const MAX_DATA_FRAME = 64 * 1024;
/** SPDY/3.1's initial window is 64 KiB: it is reopened each time half of it was used. */
const WINDOW_UPDATE_AT = 32 * 1024;
/** How long a peer that was sent GOAWAY may keep the socket open. */
const CLOSE_GRACE_MS = 2000;

/** One stream the client opened. */
export class SpdyStream {
  private localClosed: boolean;
  private remoteClosed: boolean;
  private wasReset = false;
  private listener: ((data: Buffer | null) => void) | undefined;
  private early: (Buffer | null)[] = [];

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Headers,
    fin: boolean,
    unidirectional: boolean,
  ) {
    this.remoteClosed = fin;
    this.localClosed = unidirectional;
    if (fin) this.early.push(null);
  }

  /** The first value of a header (names are lowercase). */
  header(name: string): string | undefined {
    return this.headers.get(name)?.[0];
  }

  get isReset(): boolean {
    return this.wasReset;
  }

  get isRemoteClosed(): boolean {
    return this.remoteClosed;
  }

  get isClosed(): boolean {
    return this.localClosed && this.remoteClosed;
  }

  /** Accepts the stream (SYN_REPLY, no headers). */
  reply(): void {
    this.session.sendReply(this.id);
  }

  /** False when the socket is full: wait for the session's drain. */
  write(data: Buffer): boolean {
    if (this.localClosed) return true;
    let ok = true;
    for (let at = 0; at < data.length; at += MAX_DATA_FRAME) ok = this.session.sendFrame({ type: 'data', streamId: this.id, fin: false, data: data.subarray(at, at + MAX_DATA_FRAME) });
    return ok;
  }

  /** Half-closes the server's side (FIN). */
  end(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.session.sendFrame({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) });
    this.session.forgetIfClosed(this);
  }

  /** Aborts the stream (RST_STREAM). */
  reset(status: number = RST.CANCEL): void {
    if (this.isClosed) return;
    this.session.sendFrame({ type: 'rst_stream', streamId: this.id, status });
    this.aborted();
  }

  /** The client's data, then null when it finished (FIN, reset, or the connection's end); held until a listener is set. */
  listen(fn: (data: Buffer | null) => void): void {
    this.listener = fn;
    for (const d of this.early.splice(0)) fn(d);
  }

  /** The session's: data or the FIN from the client. */
  received(data: Buffer | null): void {
    if (this.remoteClosed) return;
    if (data === null) this.remoteClosed = true;
    if (this.listener) this.listener(data);
    else this.early.push(data);
    if (data === null) this.session.forgetIfClosed(this);
  }

  /** The session's: the stream was reset or the connection is gone. */
  aborted(): void {
    if (this.isClosed) return;
    this.wasReset = true;
    this.localClosed = true;
    this.received(null);
    this.session.forgetIfClosed(this);
  }
}

export class SpdySession {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly compression = new HeaderCompression();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private queuedOut = 0;
  /** Bytes received since the last WINDOW_UPDATE, per stream and (id 0) for the connection. */
  private readonly unacked = new Map<number, number>();
  /** GOAWAY sent: nothing more is written, no stream is accepted. */
  private goneAway = false;
  private ended = false;
  private streamHandler: ((s: SpdyStream) => void) | undefined;
  private readonly closeHandlers: (() => void)[] = [];
  private readonly drainHandlers = new Set<() => void>();

  constructor(
    private readonly socket: Duplex,
    head?: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.drainHandlers.forEach((fn) => fn()));
    socket.on('error', () => this.finish());
    socket.on('close', () => this.finish());
    if (head?.length) queueMicrotask(() => this.receive(head));
  }

  /** Each stream the client opens; it must be replied to or reset. */
  onStream(fn: (s: SpdyStream) => void): void {
    this.streamHandler = fn;
  }

  /** Called once, when the connection is gone. */
  onClose(fn: () => void): void {
    if (this.ended) queueMicrotask(fn);
    else this.closeHandlers.push(fn);
  }

  /** The socket can take more; returns the unsubscribe. */
  onDrain(fn: () => void): () => void {
    this.drainHandlers.add(fn);
    return () => this.drainHandlers.delete(fn);
  }

  /** Ends the connection after what was written: GOAWAY, then the socket's end. */
  close(status: number = GOAWAY.OK): void {
    if (this.goneAway || this.ended) return;
    this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status });
    this.goneAway = true;
    this.outbound = this.outbound.then(() => {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    });
  }

  /** Writes a frame after those before it; the return is the socket's (false: wait for drain). */
  sendFrame(frame: Frame): boolean {
    if (this.goneAway || this.ended) return true;
    if (this.queuedOut === 0) return this.socket.write(encodeFrame(frame));
    return this.enqueue(async () => encodeFrame(frame));
  }

  sendReply(streamId: number): void {
    if (this.goneAway || this.ended) return;
    this.enqueue(async () => encodeFrame({ type: 'syn_reply', streamId, fin: false, headerBlock: await this.compression.compress(new Map()) }));
  }

  /** The session's streams: dropped once both sides are done. */
  forgetIfClosed(s: SpdyStream): void {
    if (!s.isClosed) return;
    this.streams.delete(s.id);
    this.unacked.delete(s.id);
  }

  private enqueue(make: () => Promise<Buffer>): boolean {
    this.queuedOut++;
    this.outbound = this.outbound
      .then(async () => {
        const bytes = await make();
        if (!this.ended) this.socket.write(bytes);
      })
      .catch(() => void this.socket.destroy())
      .finally(() => this.queuedOut--);
    return !this.socket.writableNeedDrain;
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      let decoded: ReturnType<typeof decodeFrame>;
      try {
        decoded = decodeFrame(this.buffered);
      } catch {
        return this.protocolError();
      }
      if (!decoded) return;
      this.buffered = this.buffered.subarray(decoded.size);
      const { frame } = decoded;
      this.inbound = this.inbound.then(() => this.handle(frame)).catch((err: unknown) => (err instanceof SpdyProtocolError ? this.protocolError() : void this.socket.destroy()));
    }
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.ended) return;
    switch (frame.type) {
      case 'syn_stream': {
        // Decompressed even when refused: the zlib context must see every block.
        const headers = await this.compression.decompress(frame.headerBlock);
        if (frame.streamId % 2 === 0 || frame.streamId <= this.lastStreamId) throw new SpdyProtocolError(`stream id ${frame.streamId} after ${this.lastStreamId}`);
        this.lastStreamId = frame.streamId;
        if (this.goneAway || !this.streamHandler) return this.rst(frame.streamId, RST.REFUSED_STREAM);
        const stream = new SpdyStream(this, frame.streamId, headers, frame.fin, frame.unidirectional);
        this.streams.set(stream.id, stream);
        return this.streamHandler(stream);
      }
      case 'headers': {
        const headers = await this.compression.decompress(frame.headerBlock);
        const stream = this.streams.get(frame.streamId);
        if (!stream || stream.isRemoteClosed) return this.rst(frame.streamId, RST.INVALID_STREAM);
        for (const [name, values] of headers) stream.headers.set(name, [...(stream.headers.get(name) ?? []), ...values]);
        if (frame.fin) stream.received(null);
        return;
      }
      case 'syn_reply':
        // Only the client opens streams here: there is nothing to reply to.
        await this.compression.decompress(frame.headerBlock);
        return this.rst(frame.streamId, RST.PROTOCOL_ERROR);
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return this.rst(frame.streamId, RST.INVALID_STREAM);
        if (stream.isRemoteClosed) return this.rst(frame.streamId, RST.STREAM_ALREADY_CLOSED);
        this.acknowledge(stream, frame.data.length);
        if (frame.data.length) stream.received(frame.data);
        if (frame.fin) stream.received(null);
        return;
      }
      case 'rst_stream':
        this.streams.get(frame.streamId)?.aborted();
        return;
      case 'ping':
        // The client's pings have odd ids; an even one would answer a ping this side never sends.
        if (frame.id % 2 === 1) this.sendFrame(frame);
        return;
      case 'goaway':
        // The client opens no more streams; the open ones go on until they end.
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  /** Opens the client's window again for what it has sent. */
  private acknowledge(stream: SpdyStream, n: number): void {
    for (const id of [stream.id, 0]) {
      const unacked = (this.unacked.get(id) ?? 0) + n;
      if (unacked < WINDOW_UPDATE_AT) {
        this.unacked.set(id, unacked);
        continue;
      }
      this.sendFrame({ type: 'window_update', streamId: id, delta: unacked });
      this.unacked.set(id, 0);
    }
  }

  private rst(streamId: number, status: number): void {
    this.sendFrame({ type: 'rst_stream', streamId, status });
  }

  /** A malformed frame: GOAWAY, and nothing the client sends is read any more. */
  private protocolError(): void {
    if (this.ended) return;
    this.close(GOAWAY.PROTOCOL_ERROR);
    this.outbound = this.outbound.then(() => this.finish());
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of [...this.streams.values()]) s.aborted();
    this.streams.clear();
    this.compression.close();
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}
