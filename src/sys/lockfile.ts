// Cross-process exclusive locks for state shared by several gantry processes.
// Node has no flock(2), so a lock is a file created with O_EXCL naming its holder
// as "<pid> <start time>"; a holder that died (a killed CLI) is detected, also
// across pid reuse, and its lock taken over, so a crash never wedges anything.
import { open, readFile, unlink, rename, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { processStartTime } from './process-alive.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../errdefs/index.js';

export { processAlive as pidAlive } from './process-alive.js';

const SELF = `${process.pid} ${processStartTime(process.pid) ?? ''}`;

/** Whether the holder named by a lock file's content is still the process that wrote it. */
function holderAlive(content: string): boolean {
  const [pid = '', start = ''] = content.trim().split(' ');
  const live = processStartTime(Number(pid));
  return live !== undefined && (start === '' || live === start);
}

/** True while a live process holds the lock at `path`. */
export function lockHeld(path: string): boolean {
  try {
    return holderAlive(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(SELF);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes the lock at `path` if its holder is dead; safe against two breakers racing. */
async function breakIfStale(path: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  if (text.trim() === '') {
    // Being written right now, unless its writer died long ago.
    const st = await stat(path).catch(() => undefined);
    if (!st || Date.now() - st.mtimeMs < 5000) return;
  } else if (holderAlive(text)) return;
  // Rename first: only one breaker wins the rename, the other sees ENOENT.
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const again = await readFile(aside, 'utf8').catch(() => '');
  if (again !== text) {
    // A live holder took the lock between our read and rename: give it back.
    await rename(aside, path).catch(() => undefined);
    return;
  }
  await unlink(aside).catch(() => undefined);
}

export async function acquireLock(path: string, what: string, timeoutMs = 30_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    if (await tryCreate(path)) return () => unlink(path).catch(() => undefined);
    await breakIfStale(path);
    if (Date.now() > deadline) throw unavailable(`timed out waiting for the lock on ${what}`);
    await sleep(delay);
  }
}

export async function withLock<T>(path: string, what: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const release = await acquireLock(path, what, timeoutMs);
  try {
    return await fn();
  } finally {
    await release();
  }
}
