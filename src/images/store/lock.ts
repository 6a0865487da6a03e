// Serializes image-store changes: callers of one process queue on a promise
// chain, processes on the shared lock file (src/sys/lockfile.ts).
import { acquireLock } from '../../sys/lockfile.js';

export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      const release = await acquireLock(this.path, `the image store (${this.path})`, 60_000);
      try {
        return await fn();
      } finally {
        await release();
      }
    });
    this.chain = next.catch(() => {});
    return next;
  }
}
