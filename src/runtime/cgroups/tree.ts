// Version-independent walks over a cgroup directory tree.
import type { HostFs } from '../../sys/host-fs.js';
import { errnoCode, readOptional, readdirOptional, sleep } from './files.js';
import { unavailable } from '../../errdefs/index.js';

/** Sub-cgroups are the entries that are themselves cgroups (hold cgroup.procs). */
export async function childCgroups(fs: HostFs, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdirOptional(fs, dir)) {
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
 * rmdir a cgroup and its sub-cgroups, deepest first. The common leaf is removed
 * by the first rmdir, without listing its control files; EBUSY means
 * sub-cgroups, or processes that just exited and keep it busy for a moment,
 * so it is retried briefly after removing the sub-cgroups. A missing
 * directory is already gone.
 */
export async function removeCgroupTree(fs: HostFs, dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      if (errnoCode(err) !== 'EBUSY' || attempt >= 12) throw unavailable(`remove cgroup ${dir}: ${(err as Error).message}`, err);
    }
    const children = await childCgroups(fs, dir);
    for (const child of children) await removeCgroupTree(fs, child);
    if (attempt > 0 || children.length === 0) await sleep(Math.min(10 * 2 ** attempt, 200));
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
