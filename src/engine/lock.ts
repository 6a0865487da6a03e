// Exclusive-create lock files holding the owner's pid; a lock whose owner is
// dead is stale and taken over, so a crashed command never wedges a container.
import { open, readFile, unlink, rename, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../errdefs/index.js';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
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
  // An empty lock is one being written right now, unless its writer died long ago.
  const holder = /^\d+$/.test(text) ? Number(text) : -1;
  if (holder < 0) {
    const st = await stat(path).catch(() => undefined);
    if (!st || Date.now() - st.mtimeMs < 5000) return;
  } else if (pidAlive(holder)) return;
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

export async function acquireLock(path: string, what: string, timeoutMs = 30000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    if (await tryCreate(path)) return () => unlink(path).catch(() => undefined);
    await breakIfStale(path);
    if (Date.now() > deadline) throw unavailable(`timed out waiting for the lock on ${what}`);
    await sleep(delay);
  }
}

export async function withLock<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(path, what);
  try {
    return await fn();
  } finally {
    await release();
  }
}
