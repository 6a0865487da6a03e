import type { LinuxResources } from '../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../api.js';
import type { HostFs } from '../../sys/host-fs.js';

export interface OpenCgroupOptions {
  /** Container id: names the default path "/gantry/<id>". */
  id: string;
  /** OCI linux.cgroupsPath: absolute, relative to the root, or "slice:prefix:name" with systemd. */
  cgroupsPath?: string;
  /** cgroupsPath uses systemd's "slice:prefix:name" form (mapped onto cgroupfs, no D-Bus). */
  systemd?: boolean;
  version?: 1 | 2 | 'auto';
  /** cgroup2 mount point (default /sys/fs/cgroup). */
  v2Root?: string;
  /** Directory holding one v1 hierarchy per controller (default: the mounts in /proc/self/mountinfo). */
  v1Root?: string;
  fs?: HostFs;
  /** Things that were asked for but cannot be enforced here (e.g. v2 device rules without BPF). */
  onWarning?: (msg: string) => void;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** The cgroup path relative to the hierarchy root, e.g. "/gantry/<id>". */
  readonly path: string;
  create(): Promise<void>;
  apply(resources: LinuxResources): Promise<void>;
  addProcess(pid: number): Promise<void>;
  /** Every cgroup.procs file a process must be written to (the native helper joins them). */
  procsFiles(): string[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  isFrozen(): Promise<boolean>;
  /** Pids in the cgroup and its sub-cgroups. */
  pids(): Promise<number[]>;
  signalAll(signal: number): Promise<void>;
  stats(): Promise<CgroupStatsSnapshot>;
  oomKillCount(): Promise<number>;
  exists(): Promise<boolean>;
  destroy(): Promise<void>;
}
