// dockerd's checks of a container's CPU, cpuset and blkio settings, on create
// and on update, with its error texts; settings this host cannot apply are
// dropped with dockerd's warning instead of failing the start.
import { existsSync, readFileSync } from 'node:fs';
import { invalidArgument } from '../errdefs/index.js';
import type { HostConfig } from './docker-types.js';

type Limits = Pick<HostConfig, 'NanoCpus' | 'CpuPeriod' | 'CpuQuota' | 'CpusetMems' | 'BlkioWeight'>;

/** "0-2,4" → {0,1,2,4}; undefined when it is not a list of ranges. */
export function parseCpuList(list: string): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (hi < lo) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

function readHost(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const BLKIO_WEIGHT_FILES = ['/sys/fs/cgroup/blkio/blkio.weight', '/sys/fs/cgroup/blkio/blkio.bfq.weight'];

/** Throws dockerd's error for an invalid combination; returns its warnings (and clears what it discards). */
export function checkResourceLimits(hc: Limits): string[] {
  const warnings: string[] = [];
  if (hc.NanoCpus > 0 && hc.CpuPeriod) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (hc.NanoCpus > 0 && hc.CpuQuota) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (hc.CpuPeriod && (hc.CpuPeriod < 1000 || hc.CpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (hc.CpuQuota && hc.CpuQuota > 0 && hc.CpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (hc.BlkioWeight && (hc.BlkioWeight < 10 || hc.BlkioWeight > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  if (hc.CpusetMems) {
    const requested = parseCpuList(hc.CpusetMems);
    if (!requested) throw invalidArgument(`Invalid value ${hc.CpusetMems} for cpuset mems`);
    const online = readHost('/sys/devices/system/node/online') ?? '0';
    const available = parseCpuList(online) ?? new Set([0]);
    if ([...requested].some((n) => !available.has(n))) throw invalidArgument(`Requested memory nodes are not available - requested ${hc.CpusetMems}, available: ${online}`);
  }
  if (hc.BlkioWeight && !BLKIO_WEIGHT_FILES.some((f) => existsSync(f)) && !(readHost('/sys/fs/cgroup/cgroup.controllers') ?? '').split(' ').includes('io')) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    hc.BlkioWeight = 0;
  }
  return warnings;
}
