// The cgroups a process is in, as cgroup.procs paths under today's mounts: exec
// joins exactly the init's cgroups (as runc does), never paths computed from
// the hierarchies mounted now, which may include one mounted after the init
// started (it is then in that hierarchy's root).
import { readFileSync } from 'node:fs';

/** mountinfo escapes spaces and such as \040 octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** Super options of a v1 mount that are not controllers or a name=. */
const notController = (o: string) => ['rw', 'ro', 'clone_children', 'noprefix', 'xattr', 'cpuset_v2_mode'].includes(o) || o.startsWith('release_agent=');

interface HierarchyMount {
  /** Sorted controllers of a v1 hierarchy ("cpu,cpuacct", "name=systemd"); "" for cgroup2. */
  key: string;
  /** The path inside the hierarchy that is mounted (not "/" for a bind of a sub-cgroup). */
  root: string;
  mountPoint: string;
}

function hierarchyMounts(mountinfo: string): HierarchyMount[] {
  const out: HierarchyMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const fields = line.slice(0, sep).split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    if (fstype === 'cgroup2') out.push({ key: '', root: unescape(root), mountPoint: unescape(mountPoint) });
    else if (fstype === 'cgroup') out.push({ key: superOptions.split(',').filter((o) => !notController(o)).sort().join(','), root: unescape(root), mountPoint: unescape(mountPoint) });
  }
  return out;
}

/**
 * /proc/<pid>/cgroup ("id:controllers:path" lines) → the cgroup.procs file of
 * each of those cgroups in a mount that shows it. Hierarchies not mounted here
 * are skipped: nothing could join them.
 */
export function procsFilesOf(procCgroup: string, mountinfo: string): string[] {
  const mounts = hierarchyMounts(mountinfo);
  const files: string[] = [];
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, hierarchyId, controllers = '', path = ''] = m;
    const key = hierarchyId === '0' && controllers === '' ? '' : controllers.split(',').sort().join(',');
    const mount = mounts.find((h) => h.key === key && (h.root === '/' || path === h.root || path.startsWith(`${h.root}/`)));
    if (!mount) continue;
    const rel = mount.root === '/' ? path : path.slice(mount.root.length);
    files.push(`${mount.mountPoint}${rel === '/' ? '' : rel}/cgroup.procs`);
  }
  return files;
}

/** The cgroup.procs files of the cgroups process pid is in now. */
export function processProcsFiles(pid: number): string[] {
  return procsFilesOf(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
}
