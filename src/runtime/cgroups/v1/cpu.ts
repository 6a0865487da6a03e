// v1 cpu controller (CFS shares/quota/burst, RT budget, idle) and cpuacct usage.
import type { LinuxCPU } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { readCgroupFile, readKeyValues, readOptional, requireInteger, writeCgroupFile, parseCounter } from '../files.js';

/** cpuacct.stat counts USER_HZ ticks, which is 100 on every Linux ABI. */
const NS_PER_TICK = 1e9 / 100;

export async function applyCpuV1(fs: HostFs, dir: string, cpu: LinuxCPU): Promise<void> {
  if (cpu.shares !== undefined && cpu.shares !== 0) {
    requireInteger('cpu.shares', cpu.shares, 2, 262144);
    await writeCgroupFile(fs, dir, 'cpu.shares', cpu.shares);
    // The kernel clamps silently; runc reports it.
    const actual = Number(await readCgroupFile(fs, dir, 'cpu.shares'));
    if (actual !== cpu.shares) throw invalidArgument(`the ${cpu.shares > actual ? 'maximum' : 'minimum'} allowed cpu-shares is ${actual}`);
  }
  if (cpu.period !== undefined && cpu.period !== 0) {
    requireInteger('cpu.cfs_period_us', cpu.period, 1000, 1_000_000);
    await writeCgroupFile(fs, dir, 'cpu.cfs_period_us', cpu.period);
  }
  if (cpu.quota !== undefined && cpu.quota !== 0) {
    if (cpu.quota !== -1) requireInteger('cpu.cfs_quota_us', cpu.quota, 1000);
    await writeCgroupFile(fs, dir, 'cpu.cfs_quota_us', cpu.quota);
  }
  if (cpu.burst !== undefined) {
    requireInteger('cpu.cfs_burst_us', cpu.burst, 0);
    await writeCgroupFile(fs, dir, 'cpu.cfs_burst_us', cpu.burst);
  }
  // The RT period must be set before a runtime that fits in it.
  if (cpu.realtimePeriod !== undefined && cpu.realtimePeriod !== 0) await writeCgroupFile(fs, dir, 'cpu.rt_period_us', cpu.realtimePeriod);
  if (cpu.realtimeRuntime !== undefined && cpu.realtimeRuntime !== 0) await writeCgroupFile(fs, dir, 'cpu.rt_runtime_us', cpu.realtimeRuntime);
  if (cpu.idle !== undefined) await writeCgroupFile(fs, dir, 'cpu.idle', cpu.idle);
}

export async function cpuThrottlingV1(fs: HostFs, cpuDir: string): Promise<NonNullable<CgroupStatsSnapshot['cpu']['throttling']>> {
  const stat = await readKeyValues(fs, cpuDir, 'cpu.stat');
  return { periods: stat['nr_periods'] ?? 0, throttledPeriods: stat['nr_throttled'] ?? 0, throttledTime: stat['throttled_time'] ?? 0 };
}

export async function cpuUsageV1(fs: HostFs, cpuacctDir: string): Promise<CgroupStatsSnapshot['cpu']['usage']> {
  const stat = await readKeyValues(fs, cpuacctDir, 'cpuacct.stat');
  const percpu = await readOptional(fs, cpuacctDir, 'cpuacct.usage_percpu');
  return {
    total: parseCounter(await readOptional(fs, cpuacctDir, 'cpuacct.usage')),
    percpu: percpu === undefined || percpu === '' ? [] : percpu.split(/\s+/).map(Number),
    kernel: (stat['system'] ?? 0) * NS_PER_TICK,
    user: (stat['user'] ?? 0) * NS_PER_TICK,
  };
}
