// Exclusive ownership of one ingest: per process a queue per ref, across
// processes an exclusively created lock file holding the owner's pid (stale when
// that process is gone), so two pulls of one blob share a single download.
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../sys/process-alive.js';

const POLL_MS = 50;


export class IngestLocks {
  private readonly held = new Map<string, Promise<void>>();

  /** Waits for the in-process holder, then for the lock file; returns the release function. */
  async acquire(key: string, lockPath: string, prepare: () => Promise<void>): Promise<() => Promise<void>> {
    for (;;) {
      const current = this.held.get(key);
      if (!current) break;
      await current;
    }
    let releaseLocal!: () => void;
    this.held.set(key, new Promise<void>((resolve) => (releaseLocal = resolve)));
    try {
      await this.acquireFile(lockPath, prepare);
    } catch (err) {
      this.held.delete(key);
      releaseLocal();
      throw err;
    }
    return async () => {
      await unlink(lockPath).catch(() => {});
      this.held.delete(key);
      releaseLocal();
    };
  }

  isHeldHere(key: string): boolean {
    return this.held.has(key);
  }

  private async acquireFile(lockPath: string, prepare: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        // May race with the previous owner removing the directory: ENOENT retries.
        await prepare();
        const fh = await open(lockPath, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // ENOENT: the previous owner removed the ingest directory; prepare() recreates it.
        if (code === 'ENOENT') continue;
        if (code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      // Our own pid here means a lock left by an earlier process that had our pid, or a
      // half-written file; both are stale because the in-process queue admitted us.
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        await sleep(POLL_MS);
        continue;
      }
      if (!Number.isInteger(owner)) {
        // Possibly being written right now by its creator: give it a moment first.
        await sleep(POLL_MS);
        const again = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (again !== undefined && again !== '') continue;
      }
      await unlink(lockPath).catch(() => {});
    }
  }
}

/** True if a live process other than a finished one holds the lock file. */
export async function lockHeld(lockPath: string): Promise<boolean> {
  const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
  return Number.isInteger(owner) && owner > 0 && processAlive(owner);
}
