// Client side of the monitor's attach socket (framing in docs/cli.md): output
// frames [stream,0,0,0,len BE32] + payload, stream 1 stdout, 2 stderr, 4 exit
// code; client frames 0 stdin, 1 resize "ROWS COLS", 2 close stdin.
import { connect, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../sys/lockfile.js';

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
 * Returns false on timeout; timeoutMs < 0 waits forever.
 */
export async function waitForExit(runDir: string, timeoutMs: number): Promise<boolean> {
  const done = () => existsSync(join(runDir, 'exit.json')) || !monitorRunning(runDir);
  if (done()) return true;
  const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
  try {
    const session = await connectAttach(join(runDir, 'attach.sock'));
    const timer = timeoutMs < 0 ? undefined : setTimeout(() => session.close(), timeoutMs);
    await session.exited;
    if (timer) clearTimeout(timer);
  } catch {
    // No socket: fall back to polling below.
  }
  while (!done()) {
    if (Date.now() > deadline) return false;
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
