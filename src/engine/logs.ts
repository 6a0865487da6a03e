// Reads docker json-file logs (rotated files oldest first), with --tail,
// --since/--until, and -f that follows the live file across rotations.
import { open, readFile, stat } from 'node:fs/promises';

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

export async function* readLogs(path: string, opts: LogOptions, running: () => Promise<boolean>): AsyncGenerator<LogEntry> {
  const keep = (e: LogEntry) => {
    if (e.stream === 'stdout' && opts.stdout === false) return false;
    if (e.stream === 'stderr' && opts.stderr === false) return false;
    const t = Date.parse(e.time) / 1000;
    if (opts.since !== undefined && t < opts.since) return false;
    if (opts.until !== undefined && t > opts.until) return false;
    return true;
  };
  const rotated: string[] = [];
  for (let i = 1; i < 100; i++) {
    const t = await readFile(`${path}.${i}`, 'utf8').catch(() => undefined);
    if (t === undefined) break;
    rotated.unshift(t);
  }
  const st = await stat(path).catch(() => undefined);
  let offset = 0;
  let ino = st?.ino ?? 0;
  let current = '';
  if (st) {
    const fh = await open(path, 'r');
    const buf = Buffer.alloc(st.size);
    await fh.read(buf, 0, st.size, 0);
    await fh.close();
    current = buf.toString('utf8', 0, buf.lastIndexOf(10) + 1);
    offset = Buffer.byteLength(current);
  }
  let entries = [...rotated, current].flatMap(parseLines).filter(keep);
  if (opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  yield* entries;
  if (!opts.follow) return;
  for (;;) {
    const alive = await running();
    const now = await stat(path).catch(() => undefined);
    if (now && (now.ino !== ino || now.size < offset)) {
      // Rotated: whatever was appended to the old file before the rename is in path.1.
      const old = await readFile(`${path}.1`).catch(() => undefined);
      if (old && now.ino !== ino && old.length > offset) yield* parseLines(old.subarray(offset).toString()).filter(keep);
      ino = now.ino;
      offset = 0;
    }
    if (now && now.size > offset) {
      const fh = await open(path, 'r');
      const buf = Buffer.alloc(now.size - offset);
      await fh.read(buf, 0, buf.length, offset);
      await fh.close();
      const complete = buf.subarray(0, buf.lastIndexOf(10) + 1);
      offset += complete.length;
      yield* parseLines(complete.toString()).filter(keep);
    }
    if (!alive) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
