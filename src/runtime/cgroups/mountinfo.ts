// Finds the cgroup v1 hierarchies: one per mount, named by its controllers.
import { readFileSync } from 'node:fs';

export interface V1Hierarchy {
  /** Controllers mounted together, e.g. ["cpu", "cpuacct"], or ["name=systemd"]. */
  controllers: string[];
  mountPoint: string;
}

/** mountinfo escapes spaces and such as \040 octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

export function parseV1Hierarchies(mountinfo: string): V1Hierarchy[] {
  const seen = new Set<string>();
  const out: V1Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' || superOptions === undefined) continue;
    const fields = line.slice(0, sep).split(' ');
    const mountPoint = fields[4];
    if (mountPoint === undefined) continue;
    const controllers = superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent=') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr' && o !== 'cpuset_v2_mode');
    const key = controllers.join(',');
    // The same hierarchy can be mounted twice (bind mounts); the first mount wins.
    if (controllers.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push({ controllers, mountPoint: unescape(mountPoint) });
  }
  return out;
}

/** Read once per process: every cgroup a command opens (create, start, delete...) would parse the same mounts again. */
let hostHierarchies: V1Hierarchy[] | undefined;
let hostMounts: string | undefined;

/** /proc/self/mountinfo as this process first read it. */
export function hostMountinfo(): string {
  return (hostMounts ??= readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function hostV1Hierarchies(): V1Hierarchy[] {
  return (hostHierarchies ??= parseV1Hierarchies(hostMountinfo()));
}

/** With an explicit root (tests, chroots) each subdirectory named after its controllers is a hierarchy. */
export function v1HierarchiesUnder(root: string, names: readonly string[]): V1Hierarchy[] {
  return names.map((name) => ({ controllers: name === 'systemd' ? ['name=systemd'] : name.split(','), mountPoint: `${root}/${name}` }));
}
