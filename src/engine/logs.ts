// Reads docker json-file logs (rotated files oldest first), with --tail,
// --since/--until, and -f that follows the live file across rotations.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { LogsOptions } from './api.js';
import type { EngineCore } from './engine.js';
import { invalidArgument, notImplemented } from '../errdefs/index.js';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  log: string;
  time: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Number of lines from the end, or undefined for all. */
  tail?: number;
  /** Unix seconds (fractional). */
  since?: number;
  until?: number;
  stdout?: boolean;
  stderr?: boolean;
  /** Following ends when it fires. */
  signal?: AbortSignal;
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // A line cut by a crash mid-write: skip it, as docker does.
    }
  }
  return out;
}

/** docker's RFC3339NanoFixed: nine fraction digits, so timestamps line up. */
export function fixedNanoTime(time: string): string {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}` : time;
}

/**
 * A container's log as the Engine interface gives it: entries as chunks of
 * stdout (1) or stderr (2), with docker's "<RFC3339Nano> " prefix when asked;
 * following ends when the container stops or the signal fires. Resolves once
 * the log files are open, so a remove right after cannot take them away.
 */
export async function containerLogs(engine: EngineCore, ref: string, opts: LogsOptions): Promise<AsyncGenerator<{ stream: 1 | 2; data: Buffer }>> {
  const rec = await engine.containers.get(ref);
  if (rec.HostConfig.LogConfig.Type === 'none') throw notImplemented('configured logging driver does not support reading');
  if (opts.stdout === false && opts.stderr === false) throw invalidArgument('Bad parameters: you must choose at least one stream');
  const entries = await openLogs(
    rec.LogPath,
    {
      ...(opts.follow ? { follow: true } : {}),
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.since ? { since: opts.since } : {}),
      ...(opts.until ? { until: opts.until } : {}),
      ...(opts.stdout === false ? { stdout: false } : {}),
      ...(opts.stderr === false ? { stderr: false } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    async () => (await engine.containers.get(rec.Id).catch(() => undefined))?.State.Running ?? false,
  );
  return (async function* () {
    for await (const e of entries) {
      yield { stream: e.stream === 'stderr' ? 2 : 1, data: Buffer.from(opts.timestamps ? `${fixedNanoTime(e.time)} ${e.log}` : e.log) };
    }
  })();
}

/** Opens the log and reads its history now; the generator yields it, then follows. */
export async function openLogs(path: string, opts: LogOptions, running: () => Promise<boolean>): Promise<AsyncGenerator<LogEntry>> {
  const keep = (e: LogEntry) => {
    if (e.stream === 'stdout' && opts.stdout === false) return false;
    if (e.stream === 'stderr' && opts.stderr === false) return false;
    const t = Date.parse(e.time) / 1000;
    if (opts.since !== undefined && t < opts.since) return false;
    if (opts.until !== undefined && t > opts.until) return false;
    return true;
  };
  // The live file stays open while following: after a rotation the handle still
  // reads the renamed (or deleted) file to its end, so nothing written before the
  // rename is lost, and the files rotated since are found by that file's inode.
  let fh = await open(path, 'r').catch(() => undefined);
  let ino = fh ? (await fh.stat()).ino : 0;
  const history = await rotatedFiles(path);
  const held = history.findIndex((f) => f.ino === ino);
  // If the held file was rotated meanwhile, only what is older than it is history.
  const rotated = (held < 0 ? history : history.slice(held + 1)).reverse().map((f) => f.text);
  let offset = 0;
  let current = '';
  if (fh) {
    const text = await readFrom(fh, 0);
    current = text.slice(0, text.lastIndexOf('\n') + 1);
    offset = Buffer.byteLength(current);
  }
  let entries = [...rotated, current].flatMap(parseLines).filter(keep);
  if (opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  return follow();

  async function* follow(): AsyncGenerator<LogEntry> {
    try {
      yield* entries;
      if (!opts.follow) return;
      // running() is only asked when there was nothing to read (every few polls), so a busy writer is
      // followed without pauses; one more pass after it stops drains the rest.
      let stopped = false;
      let idle = -1;
      for (;;) {
        if (opts.signal?.aborted) return;
        let read = false;
        if (fh) {
          const text = await readFrom(fh, offset);
          const complete = text.slice(0, text.lastIndexOf('\n') + 1);
          offset += Buffer.byteLength(complete);
          read = complete.length > 0;
          yield* parseLines(complete).filter(keep);
        }
        const now = await stat(path).catch(() => undefined);
        if (now && now.ino !== ino) {
          // Rotated since the last look: the rest of the old file, then the rotated files
          // between it and the new live file (opened first, so none can slip in between).
          const next = await open(path, 'r').catch(() => undefined);
          const nextIno = next ? (await next.stat()).ino : 0;
          if (fh) yield* parseLines(await readFrom(fh, offset)).filter(keep);
          // The old file is closed only now: while held its inode cannot be reused by a new file.
          for (const text of await rotatedBetween(path, ino, nextIno)) yield* parseLines(text).filter(keep);
          await fh?.close();
          fh = next;
          ino = nextIno;
          offset = 0;
          continue;
        }
        if (read) continue;
        if (stopped) return;
        if (++idle % ALIVE_CHECK_EVERY === 0 && !(await running())) {
          stopped = true;
          continue;
        }
        await pause(FOLLOW_POLL_MS, opts.signal);
      }
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
}

/** A stat every 20 ms keeps up with small rotating files; asking whether the container runs costs more, so less often. */
const FOLLOW_POLL_MS = 20;
const ALIVE_CHECK_EVERY = 10;

/** Sleeps ms, less when the signal fires. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function readFrom(fh: FileHandle, offset: number): Promise<string> {
  const { size } = await fh.stat();
  if (size <= offset) return '';
  const buf = Buffer.alloc(size - offset);
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  return buf.toString('utf8', 0, bytesRead);
}

/** path.1, path.2, ... (newest first) with their inodes; a file seen twice (rotated while listing) once. */
async function rotatedFiles(path: string): Promise<{ ino: number; text: string }[]> {
  const files: { ino: number; text: string }[] = [];
  for (let i = 1; i < 100; i++) {
    const f = await open(`${path}.${i}`, 'r').catch(() => undefined);
    if (!f) break;
    try {
      const ino = (await f.stat()).ino;
      if (!files.some((x) => x.ino === ino)) files.push({ ino, text: await readFrom(f, 0) });
    } finally {
      await f.close();
    }
  }
  return files;
}

/** Contents of the rotated files newer than inode `from` and older than inode `to`, oldest first. */
async function rotatedBetween(path: string, from: number, to: number): Promise<string[]> {
  const files = await rotatedFiles(path);
  const older = files.findIndex((f) => f.ino === from);
  const newer = files.findIndex((f) => f.ino === to);
  // `from` gone: it was deleted, so every rotated file is newer; `to` absent: it is still the live file.
  return files.slice(newer + 1, older < 0 ? files.length : older).reverse().map((f) => f.text);
}
