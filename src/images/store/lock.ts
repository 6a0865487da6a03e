// An inter-process mutex: an exclusively created lock file holding the owner's pid.
// A lock whose owner is gone (crash) is taken over; waiters poll.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../../errdefs/index.js';

const POLL_MS = 20;
const TIMEOUT_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Serializes fn against every process holding the same lock path (and this process's other callers). */
export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await unlink(this.path).catch(() => {});
      }
    });
    this.chain = next.catch(() => {});
    return next;
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      try {
        const fh = await open(this.path, 'wx', 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      await this.breakIfStale();
      if (Date.now() > deadline) throw unavailable(`timed out waiting for lock ${this.path}`);
      await sleep(POLL_MS);
    }
  }

  private async breakIfStale(): Promise<void> {
    const pid = Number(await readFile(this.path, 'utf8').catch(() => ''));
    // An empty file is a lock being written right now; only a dead owner's lock is broken.
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) return;
    // Rename first so that two processes breaking the same stale lock do not both win.
    const stale = `${this.path}.stale-${process.pid}`;
    try {
      await rename(this.path, stale);
      const again = Number(await readFile(stale, 'utf8').catch(() => ''));
      if (again === pid) await unlink(stale);
      else await rename(stale, this.path).catch(() => {});
    } catch {
      // someone else broke or released it
    }
  }
}
