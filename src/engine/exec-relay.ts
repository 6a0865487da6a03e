// The stdio of an exec'd process, relayed into the engine's own pipes so the
// caller (the CLI's terminal, or a daemon's HTTP socket) gets them as an
// IOSession. With a tty the pty master travels over a console socket to
// native/build/gantry-ptyrelay; without one native/build/gantry-piperelay gives
// the process pipes. Either way no fd of the engine's caller reaches the
// container, where a background child could keep using it after exec returns.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Duplex, Writable } from 'node:stream';
import { failedPrecondition } from '../errdefs/index.js';
import { nativeBinary } from '../sys/install-paths.js';
import type { IOSession } from './api.js';

type Stream = 1 | 2;

/** An IOSession over a relay's stdout/stderr pipes (its stdin pipe with -i). */
export class RelaySession implements IOSession {
  private listener: ((stream: Stream, data: Buffer) => void) | undefined;
  private pending: [Stream, Buffer][] = [];
  private detached = false;
  ended: Promise<number | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly stdin: Writable | null,
    private readonly attached: { stdout: boolean; stderr: boolean },
  ) {
    stdin?.on('error', () => undefined);
  }

  /** Output from the relay or the engine; kept until a listener is there. */
  emit(stream: Stream, data: Buffer): void {
    if (this.detached || !(stream === 1 ? this.attached.stdout : this.attached.stderr)) return;
    if (this.listener) this.listener(stream, data);
    else this.pending.push([stream, data]);
  }

  onOutput(fn: (stream: Stream, data: Buffer) => void): void {
    this.listener = fn;
    for (const [s, d] of this.pending.splice(0)) fn(s, d);
  }

  writeStdin(data: Buffer): void {
    if (this.stdin && !this.stdin.writableEnded) this.stdin.write(data);
  }

  closeStdin(): void {
    if (this.stdin && !this.stdin.writableEnded) this.stdin.end();
  }

  /** The output is still read (a full pipe would block the process) but dropped. */
  close(): void {
    this.detached = true;
    this.pending = [];
    this.closeStdin();
  }
}

export interface ExecRelay {
  session: RelaySession;
  /** What the runtime gives the process. */
  launch: { stdio: [number, number, number]; consoleSocket?: string };
  /** The process has exited (or never started): release our ends, let the relay drain. */
  processExited(started: boolean): void;
  resize(rows: number, cols: number): void;
  /** Every byte of output has been emitted. */
  done: Promise<void>;
}

export interface RelayOptions {
  interactive: boolean;
  attached: { stdout: boolean; stderr: boolean };
}

function watch(relay: ChildProcess, session: RelaySession): Promise<void> {
  relay.stdout!.on('data', (d: Buffer) => session.emit(1, d));
  relay.stderr!.on('data', (d: Buffer) => session.emit(2, d));
  return new Promise((resolve) => {
    relay.on('close', () => resolve());
    relay.on('error', () => resolve());
  });
}

const startFailure = (relay: ChildProcess, what: string) =>
  new Promise<never>((_, reject) => relay.once('error', (err) => reject(failedPrecondition(`${what}: starting ${relay.spawnfile}: ${err.message} (run make -C native)`))));

/** The piperelay's first line on its control fd: its fds of the process's ends of the pipes (stdin -1 without -i). */
function readyFds(control: Duplex): Promise<[number, number, number]> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /^ready (-?\d+) (\d+) (\d+)\n/.exec(buf);
      if (!m) return;
      control.off('data', onData);
      resolve([Number(m[1]), Number(m[2]), Number(m[3])]);
    };
    control.on('data', onData);
    control.once('close', () => reject(failedPrecondition('exec: the pipe relay exited before it was ready')));
  });
}

export async function pipeRelay(opts: RelayOptions): Promise<ExecRelay> {
  const relay = spawn(nativeBinary('gantry-piperelay'), opts.interactive ? ['--stdin'] : [], { stdio: [opts.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] });
  const control = relay.stdio[3] as Duplex;
  control.on('error', () => undefined);
  const session = new RelaySession(relay.stdin, opts.attached);
  const done = watch(relay, session);
  const opened: number[] = [];
  try {
    const [stdinFd, stdoutFd, stderrFd] = await Promise.race([readyFds(control), startFailure(relay, 'exec')]);
    // Node cannot make a pipe: the process's ends are the relay's, reopened through /proc.
    const reopen = (fd: number, flags: number) => {
      opened.push(openSync(fd < 0 ? '/dev/null' : `/proc/${relay.pid}/fd/${fd}`, flags));
      return opened[opened.length - 1]!;
    };
    const stdio: [number, number, number] = [reopen(stdinFd, fsConstants.O_RDONLY), reopen(stdoutFd, fsConstants.O_WRONLY), reopen(stderrFd, fsConstants.O_WRONLY)];
    control.write('opened\n');
    return {
      session,
      launch: { stdio },
      processExited: () => {
        // the output reaches EOF once the process and its children close their ends, not ours
        for (const fd of opened.splice(0)) closeSync(fd);
        control.end('exited\n');
      },
      resize: () => undefined,
      done,
    };
  } catch (err) {
    for (const fd of opened) closeSync(fd);
    relay.kill('SIGKILL');
    await done;
    throw err;
  }
}

export async function ptyRelay(socket: string, opts: RelayOptions): Promise<ExecRelay> {
  const relay = spawn(nativeBinary('gantry-ptyrelay'), [socket, ...(opts.interactive ? ['--stdin'] : [])], { stdio: [opts.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] });
  const control = relay.stdio[3] as Duplex;
  control.on('error', () => undefined);
  const session = new RelaySession(relay.stdin, opts.attached);
  const done = watch(relay, session).finally(() => rm(socket, { force: true }));
  const devnull = openSync('/dev/null', 'r+');
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        control.once('data', () => resolve());
        relay.once('close', () => reject(failedPrecondition('exec -t: the pty relay exited before it was ready')));
      }),
      startFailure(relay, 'exec -t'),
    ]);
  } catch (err) {
    closeSync(devnull);
    relay.kill('SIGKILL');
    await done;
    throw err;
  }
  return {
    session,
    launch: { stdio: [devnull, devnull, devnull], consoleSocket: socket },
    processExited: (started) => {
      closeSync(devnull);
      control.end();
      // never started: nobody connects to the socket, the relay would wait for ever; else it ends when the pty closes
      if (!started) relay.kill('SIGKILL');
    },
    resize: (rows, cols) => {
      if (!control.writableEnded) control.write(`resize ${rows} ${cols}\n`);
    },
    done,
  };
}
