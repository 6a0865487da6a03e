// v2 memory controller, converting OCI's v1-shaped values as runc and crun do.
import type { LinuxMemory } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { failedPrecondition, invalidArgument } from '../../../errdefs/index.js';
import { errnoCode, readCounter, readKeyValues, readOptional, requireInteger, writeCgroupFile, parseCounter } from '../files.js';

const v2Value = (n: number) => (n === -1 ? 'max' : String(n));

/** OCI swap is memory+swap (v1 semantics); memory.swap.max is swap alone. -1 is "max", 0 "unset". */
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) throw invalidArgument('unable to set swap limit without memory limit');
  if (swap < limit) throw invalidArgument(`invalid swap ${swap}: memory+swap limit should be >= memory limit ${limit}`);
  return swap - limit;
}

export async function applyMemoryV2(fs: HostFs, dir: string, memory: LinuxMemory, warn: (msg: string) => void): Promise<void> {
  const limit = memory.limit ?? 0;
  if (limit !== 0 && limit !== -1) requireInteger('memory.max', limit, 0);
  if (memory.reservation !== undefined && memory.reservation !== -1) requireInteger('memory.low', memory.reservation, 0);
  const swap = swapToV2(memory.swap ?? 0, limit);
  // Swap first: a lower memory.max with swap unchanged may otherwise fail to reclaim.
  if (swap !== 0) {
    if (!(await fs.exists(`${dir}/memory.swap.max`))) {
      if (swap !== -1) throw invalidArgument(`cannot set swap limit ${memory.swap}: memory.swap.max does not exist (swap accounting is disabled)`);
    } else {
      await writeCgroupFile(fs, dir, 'memory.swap.max', v2Value(swap));
    }
  }
  if (limit !== 0) {
    try {
      await writeCgroupFile(fs, dir, 'memory.max', v2Value(limit));
    } catch (err) {
      if (err instanceof Error && errnoCode(err.cause) === 'EBUSY') {
        const usage = await readOptional(fs, dir, 'memory.current');
        throw failedPrecondition(`unable to set memory limit to ${limit} (current usage: ${usage}): ${err.message}`, err);
      }
      throw err;
    }
  }
  if (memory.reservation !== undefined && memory.reservation !== 0) await writeCgroupFile(fs, dir, 'memory.low', v2Value(memory.reservation));
  if (memory.swappiness !== undefined && memory.swappiness !== -1) warn('memory.swappiness is not supported on cgroup v2: ignored');
  if (memory.disableOOMKiller) warn('disabling the OOM killer is not supported on cgroup v2: ignored');
}

export async function memoryStatsV2(fs: HostFs, dir: string): Promise<CgroupStatsSnapshot['memory']> {
  const raw = await readKeyValues(fs, dir, 'memory.stat');
  const events = await readKeyValues(fs, dir, 'memory.events');
  const stats: CgroupStatsSnapshot['memory'] = {
    cache: raw['file'] ?? 0,
    usage: {
      usage: await readCounter(fs, dir, 'memory.current'),
      max: await readCounter(fs, dir, 'memory.peak'),
      limit: parseCounter((await readOptional(fs, dir, 'memory.max')) ?? 'max'),
      failcnt: events['max'] ?? 0,
    },
    raw,
  };
  const swapMax = await readOptional(fs, dir, 'memory.swap.max');
  if (swapMax !== undefined) {
    stats.swap = { usage: await readCounter(fs, dir, 'memory.swap.current'), limit: parseCounter(swapMax), max: await readCounter(fs, dir, 'memory.swap.peak') };
  }
  return stats;
}

export async function oomKillCountV2(fs: HostFs, dir: string): Promise<number> {
  return (await readKeyValues(fs, dir, 'memory.events'))['oom_kill'] ?? 0;
}
