// `docker stats` figures from two cgroup samples, computed the way docker's CLI
// does: CPU % from the container's and the host's CPU time deltas, memory usage
// without the inactive page cache, network bytes from the container's netns,
// block I/O from blkio's service bytes.
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { CgroupStatsSnapshot, Runtime } from '../runtime/api.js';
import type { ContainerRecord } from './store.js';

export interface StatsSample {
  /** Container CPU time, ns. */
  cpuTotal: number;
  /** Host CPU time over all CPUs, ns (docker's system_cpu_usage). */
  systemTotal: number;
  onlineCpus: number;
  memUsage: number;
  memLimit: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
}

export interface StatsRow {
  Container: string;
  ID: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

/** USER_HZ is 100 on every Linux architecture docker runs on. */
const CLOCK_TICKS = 100;

/** Sum of the "cpu" line of /proc/stat, in ns. */
export async function hostCpuTime(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith('cpu '));
  const ticks = (line ?? '').trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

/** rx/tx bytes of every interface but lo in the netns of pid (none for host networking). */
async function netBytes(pid: number, hostNetwork: boolean): Promise<{ rx: number; tx: number }> {
  if (hostNetwork || pid <= 0) return { rx: 0, tx: 0 };
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [iface, rest] = line.split(':');
    if (!rest || iface!.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

/** docker's calculateMemUsageUnixNoCache: cgroup v1 drops total_inactive_file, v2 inactive_file. */
export function memUsageNoCache(mem: CgroupStatsSnapshot['memory']): number {
  const raw = mem.raw ?? {};
  const inactive = raw['total_inactive_file'] ?? raw['inactive_file'];
  return inactive !== undefined && inactive < mem.usage.usage ? mem.usage.usage - inactive : mem.usage.usage;
}

function blkioBytes(blkio: CgroupStatsSnapshot['blkio']): { read: number; write: number } {
  const entries = (blkio?.['ioServiceBytesRecursive'] ?? []) as { op: string; value: number }[];
  let read = 0;
  let write = 0;
  for (const e of entries) {
    if (e.op.toLowerCase() === 'read') read += e.value;
    if (e.op.toLowerCase() === 'write') write += e.value;
  }
  return { read, write };
}

/** One sample of a running container; undefined when it is not running (docker shows zeros). */
export async function sampleStats(runtime: Runtime, rec: ContainerRecord): Promise<StatsSample | undefined> {
  if (!rec.State.Running) return undefined;
  let cg: CgroupStatsSnapshot;
  try {
    cg = await runtime.stats(rec.Id);
  } catch {
    return undefined; // exited between the listing and the sample
  }
  const [systemTotal, net] = await Promise.all([hostCpuTime(), netBytes(rec.State.Pid, rec.HostConfig.NetworkMode === 'host')]);
  const blk = blkioBytes(cg.blkio);
  const host = totalmem();
  const limit = cg.memory.usage.limit;
  return {
    cpuTotal: cg.cpu.usage.total,
    systemTotal,
    // docker's daemon reports sysconf(_SC_NPROCESSORS_ONLN).
    onlineCpus: cpus().length,
    memUsage: memUsageNoCache(cg.memory),
    // An unlimited cgroup reports a huge limit; docker shows the host's memory instead.
    memLimit: limit > 0 && limit < host ? limit : host,
    netRx: net.rx,
    netTx: net.tx,
    blkRead: blk.read,
    blkWrite: blk.write,
    pids: cg.pids.current,
  };
}

/** docker's calculateCPUPercentUnix. */
export function cpuPercent(prev: StatsSample | undefined, cur: StatsSample): number {
  if (!prev) return 0;
  const cpuDelta = cur.cpuTotal - prev.cpuTotal;
  const systemDelta = cur.systemTotal - prev.systemTotal;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cur.onlineCpus * 100 : 0;
}

export function statsRow(
  rec: ContainerRecord,
  given: string,
  prev: StatsSample | undefined,
  cur: StatsSample | undefined,
  sizes: { human: (n: number) => string; binary: (n: number) => string },
  noTrunc: boolean,
): StatsRow {
  const id = noTrunc ? rec.Id : rec.Id.slice(0, 12);
  const base = { Container: given, ID: id, Name: rec.Name.slice(1) };
  if (!cur) return { ...base, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' };
  const memPerc = cur.memLimit > 0 ? (cur.memUsage / cur.memLimit) * 100 : 0;
  return {
    ...base,
    CPUPerc: `${cpuPercent(prev, cur).toFixed(2)}%`,
    MemUsage: `${sizes.binary(cur.memUsage)} / ${sizes.binary(cur.memLimit)}`,
    MemPerc: `${memPerc.toFixed(2)}%`,
    NetIO: `${sizes.human(cur.netRx)} / ${sizes.human(cur.netTx)}`,
    BlockIO: `${sizes.human(cur.blkRead)} / ${sizes.human(cur.blkWrite)}`,
    PIDs: String(cur.pids),
  };
}
