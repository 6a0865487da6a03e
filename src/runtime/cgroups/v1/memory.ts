// v1 memory controller: limits, swap (memory+swap total), swappiness, OOM killer, the
// kernel TCP buffer limit; usage stats.
import type { LinuxMemory } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { failedPrecondition, invalidArgument } from '../../../errdefs/index.js';
import { errnoCode, readCgroupFile, readCounter, readKeyValues, readOptional, requireInteger, writeCgroupFile, parseCounter, parseKeyValues } from '../files.js';

const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';
const KMEM_TCP = 'memory.kmem.tcp.limit_in_bytes';

function checkLimit(file: string, value: number | undefined): void {
  if (value !== undefined && value !== -1) requireInteger(file, value, 0);
}

async function setLimit(fs: HostFs, dir: string, limit: number): Promise<void> {
  try {
    await writeCgroupFile(fs, dir, LIMIT, limit);
  } catch (err) {
    // EBUSY: the kernel could not reclaim down to the new limit.
    if (err instanceof Error && errnoCode(err.cause) === 'EBUSY') {
      const usage = await readOptional(fs, dir, 'memory.usage_in_bytes');
      const peak = await readOptional(fs, dir, 'memory.max_usage_in_bytes');
      throw failedPrecondition(`unable to set memory limit to ${limit} (current usage: ${usage}, peak usage: ${peak}): ${(err as Error).message}`, err);
    }
    throw err;
  }
}

export async function applyMemoryV1(fs: HostFs, dir: string, memory: LinuxMemory): Promise<void> {
  checkLimit(LIMIT, memory.limit);
  checkLimit(MEMSW, memory.swap);
  checkLimit('memory.soft_limit_in_bytes', memory.reservation);
  checkLimit(KMEM_TCP, memory.kernelTCP);
  const limit = memory.limit ?? 0;
  let swap = memory.swap ?? 0;
  // Unlimited memory with swap unset means unlimited swap too (runc's rule).
  if (limit === -1 && swap === 0) swap = -1;
  if (swap !== 0 && !(await fs.exists(`${dir}/${MEMSW}`))) {
    if (memory.swap !== undefined && memory.swap !== 0) {
      throw invalidArgument(`cannot set swap limit ${memory.swap}: ${MEMSW} does not exist (swap accounting is disabled in this kernel)`);
    }
    swap = 0;
  }
  if (limit > 0 && swap > 0 && swap < limit) {
    throw invalidArgument(`invalid swap ${swap}: memory+swap limit should be >= memory limit ${limit}`);
  }
  if (limit !== 0 && swap !== 0) {
    // memsw must stay >= limit at every moment: raise memsw first when growing.
    const current = Number(await readCgroupFile(fs, dir, LIMIT));
    if (limit === -1 || limit > current) {
      await writeCgroupFile(fs, dir, MEMSW, swap);
      await setLimit(fs, dir, limit);
    } else {
      await setLimit(fs, dir, limit);
      await writeCgroupFile(fs, dir, MEMSW, swap);
    }
  } else {
    if (limit !== 0) await setLimit(fs, dir, limit);
    if (swap !== 0) await writeCgroupFile(fs, dir, MEMSW, swap);
  }
  if (memory.reservation !== undefined && memory.reservation !== 0) await writeCgroupFile(fs, dir, 'memory.soft_limit_in_bytes', memory.reservation);
  if (memory.swappiness !== undefined && memory.swappiness !== -1) {
    requireInteger('memory.swappiness', memory.swappiness, 0, 100);
    await writeCgroupFile(fs, dir, 'memory.swappiness', memory.swappiness);
  }
  if (memory.disableOOMKiller) await writeCgroupFile(fs, dir, 'memory.oom_control', 1);
  if (memory.kernelTCP !== undefined) {
    // unlike memory.kmem.limit_in_bytes (deprecated; Linux 6.x accepts and ignores writes), still enforced
    if (!(await fs.exists(`${dir}/${KMEM_TCP}`))) throw invalidArgument(`cannot set kernelTCP ${memory.kernelTCP}: ${KMEM_TCP} does not exist in this kernel`);
    await writeCgroupFile(fs, dir, KMEM_TCP, memory.kernelTCP);
  }
}

export async function memoryStatsV1(fs: HostFs, dir: string): Promise<CgroupStatsSnapshot['memory']> {
  const raw = await readKeyValues(fs, dir, 'memory.stat');
  const usage = {
    usage: await readCounter(fs, dir, 'memory.usage_in_bytes'),
    max: await readCounter(fs, dir, 'memory.max_usage_in_bytes'),
    limit: await readCounter(fs, dir, LIMIT),
    failcnt: await readCounter(fs, dir, 'memory.failcnt'),
  };
  const swapLimit = await readOptional(fs, dir, MEMSW);
  const stats: CgroupStatsSnapshot['memory'] = { usage, raw, cache: raw['total_cache'] ?? raw['cache'] ?? 0 };
  if (swapLimit !== undefined) {
    stats.swap = {
      limit: parseCounter(swapLimit),
      usage: await readCounter(fs, dir, 'memory.memsw.usage_in_bytes'),
      max: await readCounter(fs, dir, 'memory.memsw.max_usage_in_bytes'),
      failcnt: await readCounter(fs, dir, 'memory.memsw.failcnt'),
    };
  }
  return stats;
}

/** The "oom_kill N" line of memory.oom_control (kernels >= 4.13). */
export async function oomKillCountV1(fs: HostFs, dir: string): Promise<number> {
  return parseKeyValues(await readOptional(fs, dir, 'memory.oom_control'))['oom_kill'] ?? 0;
}
