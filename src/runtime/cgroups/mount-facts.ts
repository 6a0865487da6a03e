// What a container's "cgroup" mount shows (plan/types.ts CgroupMountFacts): the
// container's own cgroup directory in every hierarchy, never a hierarchy's root.
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import type { CgroupHierarchyMount, CgroupMountFacts } from '../plan/types.js';
import type { CgroupManager } from './types.js';
import { hostV1Hierarchies } from './mountinfo.js';

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** The first cgroup2 mount: its mount point and the cgroup it is rooted at. */
export function parseCgroup2Mount(mountinfo: string): { mountPoint: string; root: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.slice(sep + 3).startsWith('cgroup2 ')) continue;
    const fields = line.slice(0, sep).split(' ');
    if (fields[3] === undefined || fields[4] === undefined) continue;
    return { root: unescape(fields[3]), mountPoint: unescape(fields[4]) };
  }
  return undefined;
}

/** The "0::<path>" line of /proc/<pid>/cgroup: the process's cgroup v2 path. */
export function parseUnifiedCgroup(procCgroup: string): string | undefined {
  return procCgroup.split('\n').find((l) => l.startsWith('0::'))?.slice(3);
}

let hybrid: CgroupHierarchyMount | null | undefined;

/**
 * A v1 host's cgroup2 hierarchy (hybrid mode), as the container sees it. The v1
 * manager does not place processes in it, so the container's cgroup there is ours.
 */
function hybridHierarchy(): CgroupHierarchyMount | undefined {
  if (hybrid !== undefined) return hybrid ?? undefined;
  const mount = parseCgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'));
  const own = parseUnifiedCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const rel = mount && own !== undefined ? relative(mount.root, own) : undefined;
  hybrid = mount && rel !== undefined && !rel.startsWith('..')
    ? { name: basename(mount.mountPoint), fstype: 'cgroup2', data: '', source: rel ? `${mount.mountPoint}/${rel}` : mount.mountPoint }
    : null;
  return hybrid ?? undefined;
}

/** The hierarchies a container placed by cg sees at its "cgroup" mount. */
export function cgroupMountFacts(cg: CgroupManager): CgroupMountFacts {
  const dirs = cg.procsFiles().map((f) => f.slice(0, -'/cgroup.procs'.length));
  if (cg.version === 2) return { version: 2, hierarchies: dirs.map((source) => ({ name: '', fstype: 'cgroup2', data: '', source })) };
  const hierarchies: CgroupHierarchyMount[] = [];
  for (const h of hostV1Hierarchies()) {
    const source = `${h.mountPoint}${cg.path}`;
    if (dirs.includes(source)) hierarchies.push({ name: basename(h.mountPoint), fstype: 'cgroup', data: h.controllers.join(','), source });
  }
  const unified = hybridHierarchy();
  if (unified) hierarchies.push(unified);
  return { version: 1, hierarchies };
}
