// v1 pids controller.
import type { LinuxPids } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { readCounter, readOptional, requireInteger, writeCgroupFile } from '../files.js';

/** pids.max value for an OCI limit: 0 or negative means unlimited. */
export function pidsMaxValue(pids: LinuxPids): string {
  requireInteger('pids.max', pids.limit, Number.MIN_SAFE_INTEGER);
  return pids.limit > 0 ? String(pids.limit) : 'max';
}

export async function applyPids(fs: HostFs, dir: string, pids: LinuxPids): Promise<void> {
  await writeCgroupFile(fs, dir, 'pids.max', pidsMaxValue(pids));
}

export async function pidsStats(fs: HostFs, dir: string): Promise<CgroupStatsSnapshot['pids']> {
  const max = await readOptional(fs, dir, 'pids.max');
  const stats: CgroupStatsSnapshot['pids'] = { current: await readCounter(fs, dir, 'pids.current') };
  if (max !== undefined && max !== 'max') stats.limit = Number(max);
  return stats;
}
