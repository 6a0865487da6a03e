// HostFs over synchronous syscalls. cgroupfs and procfs answer from kernel
// memory in microseconds, so each call is cheaper than the three thread-pool
// hops an async one costs (a create/delete makes ~100 of them).
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, writeSync } from 'node:fs';
import type { HostFs } from '../../sys/host-fs.js';

/**
 * One write(2) of data to an existing file. No O_CREAT: cgroupfs cannot create files and
 * answers a create of a file the kernel lacks with EACCES, which hid the real ENOENT.
 */
function writeExisting(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

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
  // cgroupfs wants each value in one write(2).
  writeFile: (path, data) => now(() => writeExisting(path, data)),
  mkdir: (path, opts) => now(() => void mkdirSync(path, { recursive: opts?.recursive ?? false })),
  rmdir: (path) => now(() => rmdirSync(path)),
  exists: (path) => Promise.resolve(existsSync(path)),
  readdir: (path) => now(() => readdirSync(path)),
};
