// docker stats' figures from the stats JSON, computed as docker's CLI does
// (cli/command/container/stats_helpers.go), so they are the same against any daemon.
import type { ContainerStatsJSON } from '../engine/api.js';

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

/** docker's calculateCPUPercentUnix: the container's share of the host's CPU time since precpu, times the CPUs. */
export function cpuPercent(s: ContainerStatsJSON): number {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** docker's calculateMemUsageUnixNoCache: cgroup v1 drops total_inactive_file, v2 inactive_file. */
export function memUsageNoCache(mem: ContainerStatsJSON['memory_stats']): number {
  const usage = mem.usage ?? 0;
  const stats = mem.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined) return v1 < usage ? usage - v1 : usage;
  const v2 = stats['inactive_file'];
  return v2 !== undefined && v2 < usage ? usage - v2 : usage;
}

function blockIO(s: ContainerStatsJSON): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    if (op === 'write') write += e.value;
  }
  return { read, write };
}

function netIO(s: ContainerStatsJSON): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return { rx, tx };
}

export function statsRow(s: ContainerStatsJSON, given: string, sizes: { human: (n: number) => string; binary: (n: number) => string }, noTrunc: boolean): StatsRow {
  const id = s.id ?? '';
  const mem = memUsageNoCache(s.memory_stats);
  const limit = s.memory_stats.limit ?? 0;
  const net = netIO(s);
  const blk = blockIO(s);
  return {
    Container: given,
    ID: noTrunc ? id : id.slice(0, 12),
    Name: (s.name ?? '').replace(/^\//, ''),
    CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
    MemUsage: `${sizes.binary(mem)} / ${sizes.binary(limit)}`,
    MemPerc: `${(limit > 0 ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${sizes.human(net.rx)} / ${sizes.human(net.tx)}`,
    BlockIO: `${sizes.human(blk.read)} / ${sizes.human(blk.write)}`,
    PIDs: String(s.pids_stats.current ?? 0),
  };
}
