// v2 cpuset controller (no inheritance dance: empty means "the parent's effective set").
import type { LinuxCPU } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { writeCgroupFile } from '../files.js';

export async function applyCpusetV2(fs: HostFs, dir: string, cpu: LinuxCPU): Promise<void> {
  if (cpu.cpus) await writeCgroupFile(fs, dir, 'cpuset.cpus', cpu.cpus);
  if (cpu.mems) await writeCgroupFile(fs, dir, 'cpuset.mems', cpu.mems);
}
