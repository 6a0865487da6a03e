// cgroup v1: one directory per mounted hierarchy, each controller configured in its own.
import type { LinuxResources } from '../../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot } from '../../api.js';
import type { HostFs } from '../../../sys/host-fs.js';
import type { CgroupManager } from '../types.js';
import type { V1Hierarchy } from '../mountinfo.js';
import { failedPrecondition } from '../../../errdefs/index.js';
import { writeCgroupFile } from '../files.js';
import { pidsInTree, removeCgroupTree, signalPids } from '../tree.js';
import { applyMemoryV1, memoryStatsV1, oomKillCountV1 } from './memory.js';
import { applyCpuV1, cpuThrottlingV1, cpuUsageV1 } from './cpu.js';
import { applyCpusetV1, createCpusetDir } from './cpuset.js';
import { applyPids, pidsStats } from './pids.js';
import { applyBlkioV1, blkioStatsV1 } from './blkio.js';
import { applyDevicesV1 } from './devices.js';
import { isFrozenV1, setFreezerStateV1 } from './freezer.js';
import { applyHugetlbV1, hugetlbStatsV1 } from './hugetlb.js';

const hasValues = (o: object | undefined) => o !== undefined && Object.values(o).some((v) => v !== undefined);

export class V1CgroupManager implements CgroupManager {
  readonly version = 1 as const;
  private present: Promise<void> | undefined;

  /**
   * @param mayBeMissing hierarchies guessed from a directory layout rather than
   *   read from mountinfo; the ones that do not exist are dropped on first use.
   */
  constructor(
    readonly path: string,
    private hierarchies: V1Hierarchy[],
    private readonly fs: HostFs,
    private readonly warn: (msg: string) => void,
    mayBeMissing = false,
  ) {
    if (!mayBeMissing) this.present = Promise.resolve();
  }

  procsFiles(): string[] {
    return this.hierarchies.map((h) => `${h.mountPoint}${this.path}/cgroup.procs`);
  }

  async create(): Promise<void> {
    await this.ensurePresent();
    for (const h of this.hierarchies) {
      if (h.controllers.includes('cpuset')) await createCpusetDir(this.fs, h.mountPoint, this.path);
      else await this.fs.mkdir(`${h.mountPoint}${this.path}`, { recursive: true });
    }
  }

  async apply(r: LinuxResources): Promise<void> {
    await this.ensurePresent();
    // like runc: current kernels ignore memory.kmem.limit_in_bytes (kernelTCP is applied)
    if (r.memory?.kernel) this.warn('kernel memory limits are deprecated in the kernel: linux.resources.memory.kernel ignored');
    if (hasValues(r.memory) && r.memory) await applyMemoryV1(this.fs, this.need('memory'), r.memory);
    if (r.cpu) {
      const { cpus, mems, ...cfs } = r.cpu;
      if (hasValues(cfs)) await applyCpuV1(this.fs, this.need('cpu'), cfs);
      if (cpus || mems) await applyCpusetV1(this.fs, this.need('cpuset'), { cpus, mems });
    }
    if (r.pids) await applyPids(this.fs, this.need('pids'), r.pids);
    if (hasValues(r.blockIO) && r.blockIO) await applyBlkioV1(this.fs, this.need('blkio'), r.blockIO);
    if (r.devices) {
      const dir = this.dirOf('devices');
      if (dir === undefined || !(await applyDevicesV1(this.fs, dir, r.devices))) {
        this.warn('devices cgroup is not available or not writable: device rules not applied');
      }
    }
    if (r.hugepageLimits?.length) await applyHugetlbV1(this.fs, this.need('hugetlb'), r.hugepageLimits);
    if (r.network?.classID !== undefined) await writeCgroupFile(this.fs, this.need('net_cls'), 'net_cls.classid', r.network.classID);
    for (const p of r.network?.priorities ?? []) await writeCgroupFile(this.fs, this.need('net_prio'), 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
    if (r.rdma && Object.keys(r.rdma).length > 0) this.warn('rdma limits are not supported: ignored');
    if (r.unified && Object.keys(r.unified).length > 0) throw failedPrecondition('invalid configuration: cannot use unified on cgroup v1');
  }

  async addProcess(pid: number): Promise<void> {
    await this.ensurePresent();
    for (const file of this.procsFiles()) {
      const dir = file.slice(0, -'/cgroup.procs'.length);
      await writeCgroupFile(this.fs, dir, 'cgroup.procs', pid);
    }
  }

  async freeze(): Promise<void> {
    await setFreezerStateV1(this.fs, await this.needPresent('freezer'), 'FROZEN');
  }

  async thaw(): Promise<void> {
    await setFreezerStateV1(this.fs, await this.needPresent('freezer'), 'THAWED');
  }

  async isFrozen(): Promise<boolean> {
    await this.ensurePresent();
    const dir = this.dirOf('freezer');
    return dir !== undefined && (await isFrozenV1(this.fs, dir));
  }

  async pids(): Promise<number[]> {
    await this.ensurePresent();
    // Any hierarchy holds every process; prefer ones that are always mounted.
    const dir = this.dirOf('freezer') ?? this.dirOf('pids') ?? this.dirOf('memory') ?? this.firstDir();
    return dir === undefined ? [] : pidsInTree(this.fs, dir);
  }

  /** Freezes first so no process can fork a child we would miss; a paused cgroup stays paused. */
  async signalAll(signal: number): Promise<void> {
    await this.ensurePresent();
    if (this.dirOf('freezer') === undefined) {
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
    await this.ensurePresent();
    const cpuDir = this.dirOf('cpu');
    const cpuacctDir = this.dirOf('cpuacct');
    const memoryDir = this.dirOf('memory');
    const pidsDir = this.dirOf('pids');
    const blkioDir = this.dirOf('blkio');
    const hugetlbDir = this.dirOf('hugetlb');
    const stats: CgroupStatsSnapshot = {
      cpu: { usage: cpuacctDir ? await cpuUsageV1(this.fs, cpuacctDir) : { total: 0, kernel: 0, user: 0 } },
      memory: memoryDir ? await memoryStatsV1(this.fs, memoryDir) : { usage: { usage: 0, max: 0, limit: 0, failcnt: 0 } },
      pids: pidsDir ? await pidsStats(this.fs, pidsDir) : { current: 0 },
    };
    if (cpuDir) stats.cpu.throttling = await cpuThrottlingV1(this.fs, cpuDir);
    if (blkioDir) stats.blkio = await blkioStatsV1(this.fs, blkioDir);
    if (hugetlbDir) stats.hugetlb = await hugetlbStatsV1(this.fs, hugetlbDir);
    return stats;
  }

  async oomKillCount(): Promise<number> {
    await this.ensurePresent();
    const dir = this.dirOf('memory');
    return dir === undefined ? 0 : oomKillCountV1(this.fs, dir);
  }

  async exists(): Promise<boolean> {
    await this.ensurePresent();
    for (const h of this.hierarchies) if (await this.fs.exists(`${h.mountPoint}${this.path}`)) return true;
    return false;
  }

  async destroy(): Promise<void> {
    await this.ensurePresent();
    for (const h of this.hierarchies) await removeCgroupTree(this.fs, `${h.mountPoint}${this.path}`);
  }

  private ensurePresent(): Promise<void> {
    this.present ??= (async () => {
      const kept: V1Hierarchy[] = [];
      for (const h of this.hierarchies) if (await this.fs.exists(h.mountPoint)) kept.push(h);
      this.hierarchies = kept;
    })();
    return this.present;
  }

  private dirOf(controller: string): string | undefined {
    const h = this.hierarchies.find((x) => x.controllers.includes(controller));
    return h && `${h.mountPoint}${this.path}`;
  }

  private firstDir(): string | undefined {
    const h = this.hierarchies[0];
    return h && `${h.mountPoint}${this.path}`;
  }

  private need(controller: string): string {
    const dir = this.dirOf(controller);
    if (dir === undefined) throw failedPrecondition(`cgroup controller "${controller}" is not mounted (cgroup v1)`);
    return dir;
  }

  private async needPresent(controller: string): Promise<string> {
    await this.ensurePresent();
    return this.need(controller);
  }
}

