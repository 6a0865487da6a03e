// Where the kernel counts a cgroup's OOM kills, for a watcher that outlives the
// runtime (the engine's monitor reads it when the container exits): v1's
// memory.oom_control ("oom_kill N") in the memory hierarchy, wherever it is
// mounted; v2's memory.events ("oom_kill N") in the unified hierarchy.
import { parseV1Hierarchies } from './mountinfo.js';

/** The unified hierarchy is the root one: /sys/fs/cgroup is cgroup2 (unified mode, not hybrid). */
function unifiedMountPoint(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || line.slice(sep + 3).split(' ')[0] !== 'cgroup2') continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    if (mountPoint === '/sys/fs/cgroup') return mountPoint;
  }
  return undefined;
}

/**
 * The OOM-kill counter file of the cgroup at `cgroupPath` (relative to the
 * hierarchy root, as resolveCgroupPath gives it), or undefined when no memory
 * controller is mounted.
 */
export function oomCountFile(cgroupPath: string, mountinfo: string): string | undefined {
  const unified = unifiedMountPoint(mountinfo);
  if (unified !== undefined) return `${unified}${cgroupPath}/memory.events`;
  const memory = parseV1Hierarchies(mountinfo).find((h) => h.controllers.includes('memory'));
  return memory && `${memory.mountPoint}${cgroupPath}/memory.oom_control`;
}
