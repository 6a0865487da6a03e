// Leases protect what a running pull, load, import or commit has written but not
// yet recorded in an image: while a live process holds a lease, GC leaves alone
// every blob and snapshot created since the lease began.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { processAlive } from '../../sys/process-alive.js';

interface Lease {
  pid: number;
  /** ms since the epoch */
  started: number;
}


export async function withLease<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  // A second of slack: file timestamps come from a coarser clock than Date.now().
  await writeFile(path, JSON.stringify({ pid: process.pid, started: Date.now() - 1000 } satisfies Lease));
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/** Start of the oldest lease a live process holds (stale leases are removed); undefined if none. */
export async function oldestLease(dir: string): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    let lease: Lease;
    try {
      lease = JSON.parse(await readFile(path, 'utf8')) as Lease;
    } catch {
      continue; // being written or removed
    }
    if (!processAlive(lease.pid)) {
      await rm(path, { force: true });
      continue;
    }
    oldest = Math.min(oldest ?? Infinity, lease.started);
  }
  return oldest;
}
