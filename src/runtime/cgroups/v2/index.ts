// cgroup v2: one directory in the unified hierarchy.
import type { LinuxResources } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import type { CgroupManager } from '../types.js';
import { readOptional, writeCgroupFile } from '../files.js';
import { pidsInTree, removeCgroupTree, signalPids } from '../tree.js';
import { applyMemoryV2, memoryStatsV2, oomKillCountV2 } from './memory.js';
import { applyCpuV2, cpuStatsV2 } from './cpu.js';
import { applyCpusetV2 } from './cpuset.js';
import { applyPidsV2, pidsStatsV2 } from './pids.js';
import { applyIoV2, ioStatsV2 } from './io.js';
import { applyHugetlbV2, hugetlbStatsV2 } from './hugetlb.js';
import { devicesV2Warning } from './devices.js';
import { applyUnified } from './unified.js';
import { isFrozenV2, setFrozenV2 } from './freezer.js';

const SIGKILL = 9;
const hasValues = (o: object | undefined) => o !== undefined && Object.values(o).some((v) => v !== undefined);

export class V2CgroupManager implements CgroupManager {
  readonly version = 2 as const;
  private readonly dir: string;

  constructor(
    readonly path: string,
    private readonly root: string,
    private readonly fs: HostFs,
    private readonly warn: (msg: string) => void,
  ) {
    this.dir = `${root}${path}`;
  }

  procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  async create(): Promise<void> {
    await this.fs.mkdir(this.dir, { recursive: true });
    await this.enableControllers();
  }

  async apply(r: LinuxResources): Promise<void> {
    const { fs, dir, warn } = this;
    if (hasValues(r.memory) && r.memory) await applyMemoryV2(fs, dir, r.memory, warn);
    if (r.cpu) {
      const { cpus, mems, ...cfs } = r.cpu;
      if (hasValues(cfs)) await applyCpuV2(fs, dir, cfs, warn);
      if (cpus || mems) await applyCpusetV2(fs, dir, { cpus, mems });
    }
    if (r.pids) await applyPidsV2(fs, dir, r.pids);
    if (hasValues(r.blockIO) && r.blockIO) await applyIoV2(fs, dir, r.blockIO);
    if (r.hugepageLimits?.length) await applyHugetlbV2(fs, dir, r.hugepageLimits);
    if (r.devices) {
      const warning = devicesV2Warning(r.devices);
      if (warning) warn(warning);
    }
    // runc warns and goes on; v2 accounts kernel memory in memory.max and has no TCP-only limit
    if (r.memory?.kernel || r.memory?.kernelTCP) warn('kernel memory limits are not supported on cgroup v2: linux.resources.memory.kernel and kernelTCP ignored');
    if (r.network?.classID !== undefined || r.network?.priorities?.length) warn('network classID and priorities are not supported on cgroup v2: ignored');
    if (r.rdma && Object.keys(r.rdma).length > 0) warn('rdma limits are not supported: ignored');
    if (r.unified) await applyUnified(fs, dir, r.unified);
  }

  async addProcess(pid: number): Promise<void> {
    await writeCgroupFile(this.fs, this.dir, 'cgroup.procs', pid);
  }

  freeze(): Promise<void> {
    return setFrozenV2(this.fs, this.dir, true);
  }

  thaw(): Promise<void> {
    return setFrozenV2(this.fs, this.dir, false);
  }

  isFrozen(): Promise<boolean> {
    return isFrozenV2(this.fs, this.dir);
  }

  pids(): Promise<number[]> {
    return pidsInTree(this.fs, this.dir);
  }

  /** cgroup.kill (5.14+) kills the whole tree atomically; otherwise freeze, signal, thaw (a paused cgroup stays paused). */
  async signalAll(signal: number): Promise<void> {
    if (signal === SIGKILL && (await this.fs.exists(`${this.dir}/cgroup.kill`))) {
      await writeCgroupFile(this.fs, this.dir, 'cgroup.kill', '1');
      return;
    }
    if (!(await this.fs.exists(`${this.dir}/cgroup.freeze`))) {
      signalPids(await this.pids(), signal);
      return;
    }
    const wasFrozen = await this.isFrozen();
    if (!wasFrozen) await this.freeze();
    try {
      signalPids(await this.pids(), signal);
    } finally {
      if (!wasFrozen) await this.thaw();
    }
  }

  async stats(): Promise<CgroupStatsSnapshot> {
    const { fs, dir } = this;
    const stats: CgroupStatsSnapshot = {
      cpu: await cpuStatsV2(fs, dir),
      memory: await memoryStatsV2(fs, dir),
      pids: await pidsStatsV2(fs, dir),
      blkio: await ioStatsV2(fs, dir),
    };
    const hugetlb = await hugetlbStatsV2(fs, dir);
    if (Object.keys(hugetlb).length > 0) stats.hugetlb = hugetlb;
    return stats;
  }

  oomKillCount(): Promise<number> {
    return oomKillCountV2(this.fs, this.dir);
  }

  exists(): Promise<boolean> {
    return this.fs.exists(this.dir);
  }

  destroy(): Promise<void> {
    return removeCgroupTree(this.fs, this.dir);
  }

  /** Delegate every controller the root offers down to our parent, as runc does. */
  private async enableControllers(): Promise<void> {
    let parent = this.root;
    for (const part of this.path.split('/').filter(Boolean).slice(0, -1).concat([''])) {
      const available = ((await readOptional(this.fs, parent, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
      const enabled = ((await readOptional(this.fs, parent, 'cgroup.subtree_control')) ?? '').split(/\s+/);
      for (const c of available.filter((x) => !enabled.includes(x))) {
        try {
          await writeCgroupFile(this.fs, parent, 'cgroup.subtree_control', `+${c}`);
        } catch (err) {
          // "No internal processes": a populated parent cannot delegate; limits on c will then fail clearly.
          this.warn(`cannot enable the ${c} controller in ${parent}: ${(err as Error).message}`);
        }
      }
      if (part === '') break;
      parent = `${parent}/${part}`;
    }
  }
}
