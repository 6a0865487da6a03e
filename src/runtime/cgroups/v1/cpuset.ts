// v1 cpuset controller. A new cpuset cgroup starts with empty cpus/mems, and no
// process may join it until both are set, so each new level inherits its parent's.
import type { LinuxCPU } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';

/** mkdir each level below the mount point, copying empty cpus/mems from the parent. */
export async function createCpusetDir(fs: HostFs, mountPoint: string, path: string): Promise<void> {
  let parent = mountPoint;
  for (const part of path.split('/').filter(Boolean)) {
    const dir = `${parent}/${part}`;
    if (!(await fs.exists(dir))) {
      try {
        await fs.mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if ((await readCgroupFile(fs, dir, file)) === '') await writeCgroupFile(fs, dir, file, await readCgroupFile(fs, parent, file));
    }
    parent = dir;
  }
}

export async function applyCpusetV1(fs: HostFs, dir: string, cpu: LinuxCPU): Promise<void> {
  if (cpu.cpus) await writeCgroupFile(fs, dir, 'cpuset.cpus', cpu.cpus);
  if (cpu.mems) await writeCgroupFile(fs, dir, 'cpuset.mems', cpu.mems);
}
