// Version-independent walks over a cgroup directory tree.
import type { HostFs } from '../../sys/host-fs.js';
import { errnoCode, readOptional, sleep } from './files.js';
import { unavailable } from '../../errdefs/index.js';

/** Sub-cgroups are the entries that are themselves cgroups (hold cgroup.procs). */
export async function childCgroups(fs: HostFs, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await fs.readdir(dir)) {
    if (await fs.exists(`${dir}/${name}/cgroup.procs`)) out.push(`${dir}/${name}`);
  }
  return out;
}

/** Pids in dir and every sub-cgroup. */
export async function pidsInTree(fs: HostFs, dir: string): Promise<number[]> {
  const own = (await readOptional(fs, dir, 'cgroup.procs')) ?? '';
  const pids = own.split('\n').filter(Boolean).map(Number);
  if (await fs.exists(dir)) for (const child of await childCgroups(fs, dir)) pids.push(...(await pidsInTree(fs, child)));
  return pids;
}

/**
 * rmdir a cgroup and its sub-cgroups, deepest first. Processes that just exited
 * can keep a cgroup busy for a moment, so EBUSY is retried briefly; a missing
 * directory is already gone.
 */
export async function removeCgroupTree(fs: HostFs, dir: string): Promise<void> {
  if (!(await fs.exists(dir))) return;
  for (const child of await childCgroups(fs, dir)) await removeCgroupTree(fs, child);
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      if (errnoCode(err) !== 'EBUSY' || attempt >= 12) throw unavailable(`remove cgroup ${dir}: ${(err as Error).message}`, err);
      await sleep(Math.min(10 * 2 ** attempt, 200));
    }
  }
}

/** Signals each pid, ignoring ones that exited meanwhile. */
export function signalPids(pids: number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (errnoCode(err) !== 'ESRCH') throw err;
    }
  }
}
