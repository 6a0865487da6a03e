// v2 cpu controller: weight from v1 shares, cpu.max from quota/period.
import type { LinuxCPU } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { readKeyValues, requireInteger, writeCgroupFile } from '../files.js';

/** Maps shares [2, 262144] onto weight [1, 10000] (the kernel's and runc's formula). */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** "quota period", with "max" for no quota and the kernel default period 100ms. */
export function cpuMaxValue(quota: number | undefined, period: number | undefined): string {
  const q = quota !== undefined && quota > 0 ? String(quota) : 'max';
  return `${q} ${period !== undefined && period > 0 ? period : 100000}`;
}

export async function applyCpuV2(fs: HostFs, dir: string, cpu: LinuxCPU, warn: (msg: string) => void): Promise<void> {
  if (cpu.shares !== undefined && cpu.shares !== 0) {
    requireInteger('cpu.shares', cpu.shares, 2, 262144);
    await writeCgroupFile(fs, dir, 'cpu.weight', sharesToWeight(cpu.shares));
  }
  if ((cpu.quota !== undefined && cpu.quota !== 0) || (cpu.period !== undefined && cpu.period !== 0)) {
    if (cpu.quota !== undefined && cpu.quota > 0) requireInteger('cpu.max', cpu.quota, 1000);
    if (cpu.period !== undefined && cpu.period !== 0) requireInteger('cpu.max', cpu.period, 1000, 1_000_000);
    await writeCgroupFile(fs, dir, 'cpu.max', cpuMaxValue(cpu.quota, cpu.period));
  }
  if (cpu.burst !== undefined) await writeCgroupFile(fs, dir, 'cpu.max.burst', cpu.burst);
  if (cpu.idle !== undefined) await writeCgroupFile(fs, dir, 'cpu.idle', cpu.idle);
  if (cpu.realtimeRuntime || cpu.realtimePeriod) warn('realtime CPU limits are not supported on cgroup v2: ignored');
}

/** cpu.stat is in microseconds; the snapshot, like v1's cpuacct, in nanoseconds. */
export async function cpuStatsV2(fs: HostFs, dir: string): Promise<CgroupStatsSnapshot['cpu']> {
  const s = await readKeyValues(fs, dir, 'cpu.stat');
  return {
    usage: { total: (s['usage_usec'] ?? 0) * 1000, kernel: (s['system_usec'] ?? 0) * 1000, user: (s['user_usec'] ?? 0) * 1000 },
    throttling: { periods: s['nr_periods'] ?? 0, throttledPeriods: s['nr_throttled'] ?? 0, throttledTime: (s['throttled_usec'] ?? 0) * 1000 },
  };
}
