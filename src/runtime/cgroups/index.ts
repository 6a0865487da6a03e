// Cgroup managers for v1 and v2 behind one interface; the caller picks nothing
// but an id and an optional OCI cgroupsPath.
import { statfsSync } from 'node:fs';
import type { CgroupManager, OpenCgroupOptions } from './types.js';
import { resolveCgroupPath } from './path.js';
import { hostV1Hierarchies, v1HierarchiesUnder } from './mountinfo.js';
import { V1CgroupManager } from './v1/index.js';
import { V2CgroupManager } from './v2/index.js';
import { syncHostFs } from './sync-fs.js';

export type { CgroupManager, OpenCgroupOptions } from './types.js';
export { resolveCgroupPath, expandSlice } from './path.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Controllers looked for under an explicit v1Root (one directory each, as /sys/fs/cgroup lays them out). */
const V1_CONTROLLER_DIRS = ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'net_cls', 'net_prio', 'perf_event', 'pids', 'rdma', 'misc', 'systemd'];

/** 2 when /sys/fs/cgroup is itself cgroup2 (unified mode), else 1 (legacy or hybrid). */
export function detectCgroupVersion(): 1 | 2 {
  try {
    return statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC ? 2 : 1;
  } catch {
    return 1;
  }
}

export function openCgroup(opts: OpenCgroupOptions): CgroupManager {
  const path = resolveCgroupPath(opts);
  const fs = opts.fs ?? syncHostFs;
  const warn = opts.onWarning ?? (() => {});
  const version = opts.version === undefined || opts.version === 'auto' ? detectCgroupVersion() : opts.version;
  if (version === 2) return new V2CgroupManager(path, opts.v2Root ?? '/sys/fs/cgroup', fs, warn);
  if (opts.v1Root !== undefined) return new V1CgroupManager(path, v1HierarchiesUnder(opts.v1Root, V1_CONTROLLER_DIRS), fs, warn, true);
  return new V1CgroupManager(path, hostV1Hierarchies(), fs, warn);
}
