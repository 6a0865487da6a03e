// Client side of the monitor's attach socket (framing in docs/cli.md): output
// frames [stream,0,0,0,len BE32] + payload, stream 1 stdout, 2 stderr, 4 exit
// code; client frames 0 stdin, 1 resize "ROWS COLS", 2 close stdin.
import { connect, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../sys/lockfile.js';
import type { IOSession } from './api.js';

export interface AttachSession {
  /** Called for each output chunk; stream 1 stdout, 2 stderr. */
  onOutput(fn: (stream: 1 | 2, data: Buffer) => void): void;
  /** Resolves with the exit code, or undefined if the stream ended without one. */
  exited: Promise<number | undefined>;
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  resize(rows: number, cols: number): void;
  close(): void;
}

function frame(type: number, payload: Buffer): Buffer {
  const hdr = Buffer.alloc(8);
  hdr[0] = type;
  hdr.writeUInt32BE(payload.length, 4);
  return Buffer.concat([hdr, payload]);
}

export function connectAttach(path: string): Promise<AttachSession> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(path);
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      let listener: (stream: 1 | 2, data: Buffer) => void = () => undefined;
      let pending: [1 | 2, Buffer][] = [];
      let buf: Buffer = Buffer.alloc(0);
      let exitCode: number | undefined;
      const exited = new Promise<number | undefined>((res) => {
        sock.on('close', () => res(exitCode));
        sock.on('error', () => undefined);
      });
      sock.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        while (buf.length >= 8) {
          const len = buf.readUInt32BE(4);
          if (buf.length < 8 + len) break;
          const type = buf[0]!;
          const payload = buf.subarray(8, 8 + len);
          buf = buf.subarray(8 + len);
          if (type === 4) exitCode = Number(payload.toString());
          else if (type === 1 || type === 2) {
            if (pending) pending.push([type, Buffer.from(payload)]);
            else listener(type, payload);
          }
        }
      });
      resolve({
        onOutput(fn) {
          listener = fn;
          const queued = pending;
          pending = undefined as unknown as [1 | 2, Buffer][];
          for (const [s, d] of queued) fn(s, d);
        },
        exited,
        writeStdin: (d) => void sock.write(frame(0, d)),
        closeStdin: () => void sock.write(frame(2, Buffer.alloc(0))),
        resize: (rows, cols) => void sock.write(frame(1, Buffer.from(`${rows} ${cols}`))),
        close: () => sock.destroy(),
      });
    });
  });
}

/**
 * Waits until the monitor in runDir has recorded an exit (or is gone).
 * Returns false on timeout or abort; timeoutMs < 0 waits forever.
 */
export async function waitForExit(runDir: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const done = () => existsSync(join(runDir, 'exit.json')) || !monitorRunning(runDir);
  if (done()) return true;
  const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
  try {
    const session = await connectAttach(join(runDir, 'attach.sock'));
    const timer = timeoutMs < 0 ? undefined : setTimeout(() => session.close(), timeoutMs);
    const abort = () => session.close();
    signal?.addEventListener('abort', abort);
    await session.exited;
    signal?.removeEventListener('abort', abort);
    if (timer) clearTimeout(timer);
  } catch {
    // No socket: fall back to polling below.
  }
  while (!done()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

function monitorRunning(runDir: string): boolean {
  try {
    return pidAlive(Number(readFileSync(join(runDir, 'monitor.pid'), 'utf8')));
  } catch {
    return false;
  }
}

/** One resize frame on its own connection: any process can resize a running -t container. */
export function sendResize(path: string, rows: number, cols: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    sock.once('error', reject);
    sock.once('connect', () => sock.end(frame(1, Buffer.from(`${rows} ${cols}`))));
    sock.once('close', () => resolve());
  });
}

/** Which of the container's streams a session relays. */
export interface AttachStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/**
 * The Engine interface's IOSession over a monitor's attach socket. It may be
 * made before the container runs (docker attaches before it starts): stdin
 * written meanwhile is queued, output starts with the connection.
 */
export class MonitorSession implements IOSession {
  readonly ended: Promise<number | undefined>;
  private endWith: (code: number | undefined) => void = () => undefined;
  private live?: AttachSession;
  private connecting?: Promise<void>;
  private listener?: (stream: 1 | 2, data: Buffer) => void;
  private queued: (Buffer | 'eof')[] = [];
  /** Output delivered before the live stream's (a logs replay), held until there is a listener. */
  private early: [1 | 2, Buffer][] = [];
  private closed = false;
  /** Run once when the session connects or closes (the owner's cleanup of its waiting). */
  onSettled: () => void = () => undefined;

  constructor(private readonly streams: AttachStreams) {
    this.ended = new Promise((resolve) => (this.endWith = resolve));
  }

  /** Connects to the monitor (once; a failed try may be repeated). */
  connect(path: string): Promise<void> {
    if (this.closed || this.live) return Promise.resolve();
    this.connecting ??= connectAttach(path).then(
      (live) => {
        this.settle();
        if (this.closed) return void live.close();
        this.live = live;
        void live.exited.then(this.endWith);
        if (this.listener) this.relay(this.listener);
        for (const q of this.queued) q === 'eof' ? live.closeStdin() : live.writeStdin(q);
        this.queued = [];
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  onOutput(fn: (stream: 1 | 2, data: Buffer) => void): void {
    this.listener = fn;
    for (const [stream, data] of this.early) fn(stream, data);
    this.early = [];
    if (this.live) this.relay(fn);
  }

  /** Output to deliver ahead of the live stream's. */
  replay(stream: 1 | 2, data: Buffer): void {
    if (this.listener) this.listener(stream, data);
    else this.early.push([stream, data]);
  }

  writeStdin(data: Buffer): void {
    if (!this.streams.stdin) return;
    if (this.live) this.live.writeStdin(data);
    else this.queued.push(Buffer.from(data));
  }

  closeStdin(): void {
    if (!this.streams.stdin) return;
    if (this.live) this.live.closeStdin();
    else this.queued.push('eof');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.settle();
    if (this.live) this.live.close();
    else this.endWith(undefined);
  }

  private relay(fn: (stream: 1 | 2, data: Buffer) => void): void {
    this.live!.onOutput((stream, data) => {
      if (stream === 1 ? this.streams.stdout : this.streams.stderr) fn(stream, data);
    });
  }

  private settle(): void {
    const settled = this.onSettled;
    this.onSettled = () => undefined;
    settled();
  }
}
