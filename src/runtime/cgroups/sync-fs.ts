// HostFs over synchronous syscalls. cgroupfs and procfs answer from kernel
// memory in microseconds, so each call is cheaper than the three thread-pool
// hops an async one costs (a create/delete makes ~100 of them).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import type { HostFs } from '../../sys/host-fs.js';

/** Runs fn now; its throw becomes a rejection, as the async HostFs reports errors. */
function now<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

export const syncHostFs: HostFs = {
  readFile: (path) => now(() => readFileSync(path, 'utf8')),
  // cgroupfs wants each value in one write(2); writeFileSync with a string does that.
  writeFile: (path, data) => now(() => writeFileSync(path, data)),
  mkdir: (path, opts) => now(() => void mkdirSync(path, { recursive: opts?.recursive ?? false })),
  rmdir: (path) => now(() => rmdirSync(path)),
  exists: (path) => Promise.resolve(existsSync(path)),
  readdir: (path) => now(() => readdirSync(path)),
};
