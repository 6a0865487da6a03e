// GET /containers/{id}/stats: docker's stats JSON from the runtime's cgroup
// stats, the host's CPU time and the container's netns counters. The figures
// docker's CLI shows (CPU %, memory without the page cache, ...) are computed
// by the client from this JSON (cli/stats-figures.ts), as docker's CLI does.
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { ContainerStatsJSON, CpuStats } from './api-types.js';
import type { EngineCore } from './engine.js';
import type { CgroupStatsSnapshot } from '../runtime/api.js';
import type { ContainerRecord } from './store.js';

/** USER_HZ is 100 on every Linux architecture docker runs on. */
const CLOCK_TICKS = 100;
const INTERVAL_MS = 1000;
/** Go's zero time, what dockerd sends for a time it does not have. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Sum of the "cpu" line of /proc/stat, in ns (docker's system_cpu_usage). */
export async function hostCpuTime(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith('cpu '));
  const ticks = (line ?? '').trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

type NetworkStats = NonNullable<ContainerStatsJSON['networks']>[string];

/** Counters of every interface but lo in the netns of pid (none for host networking, as dockerd). */
async function networkStats(pid: number): Promise<Record<string, NetworkStats>> {
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const [iface, rest] = line.split(':');
    const name = iface?.trim();
    if (!rest || !name || name === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    const at = (i: number) => f[i] ?? 0;
    out[name] = { rx_bytes: at(0), rx_packets: at(1), rx_errors: at(2), rx_dropped: at(3), tx_bytes: at(8), tx_packets: at(9), tx_errors: at(10), tx_dropped: at(11) };
  }
  return out;
}

/** blkio's service bytes (v1), or io.stat's rbytes/wbytes as dockerd maps them (v2). */
function blkioStats(blkio: CgroupStatsSnapshot['blkio']): ContainerStatsJSON['blkio_stats'] {
  const v1 = blkio?.['ioServiceBytesRecursive'] as { major: number; minor: number; op: string; value: number }[] | undefined;
  if (v1) return { io_service_bytes_recursive: v1.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value })) };
  const v2 = blkio?.['ioStat'] as { major: number; minor: number; values: Record<string, number> }[] | undefined;
  if (!v2) return { io_service_bytes_recursive: null };
  return {
    io_service_bytes_recursive: v2.flatMap((e) => [
      { major: e.major, minor: e.minor, op: 'read', value: e.values['rbytes'] ?? 0 },
      { major: e.major, minor: e.minor, op: 'write', value: e.values['wbytes'] ?? 0 },
    ]),
  };
}

const emptyCpu = (): CpuStats => ({ cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });

/** dockerd's frame for a container that is not running: zeros. */
function emptyStats(rec: ContainerRecord): ContainerStatsJSON {
  return {
    id: rec.Id,
    name: rec.Name,
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    num_procs: 0,
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
    blkio_stats: { io_service_bytes_recursive: null },
  };
}

/** One sample of the container (zeros when it is not running); precpu and preread from prev. */
export async function sampleStats(engine: EngineCore, rec: ContainerRecord, prev?: ContainerStatsJSON): Promise<ContainerStatsJSON> {
  if (!rec.State.Running) return emptyStats(rec);
  let cg: CgroupStatsSnapshot;
  try {
    cg = await engine.containers.runtimeOf(rec).stats(rec.Id);
  } catch {
    return emptyStats(rec); // exited between the look-up and the sample
  }
  const [systemTotal, networks] = await Promise.all([hostCpuTime(), rec.HostConfig.NetworkMode === 'host' ? undefined : networkStats(rec.State.Pid)]);
  const host = totalmem();
  const limit = cg.memory.usage.limit;
  const t = cg.cpu.throttling;
  return {
    id: rec.Id,
    name: rec.Name,
    read: new Date().toISOString(),
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: { current: cg.pids.current, ...(cg.pids.limit ? { limit: cg.pids.limit } : {}) },
    num_procs: 0,
    cpu_stats: {
      cpu_usage: { total_usage: cg.cpu.usage.total, ...(cg.cpu.usage.percpu ? { percpu_usage: cg.cpu.usage.percpu } : {}), usage_in_kernelmode: cg.cpu.usage.kernel, usage_in_usermode: cg.cpu.usage.user },
      system_cpu_usage: systemTotal,
      // dockerd reports sysconf(_SC_NPROCESSORS_ONLN)
      online_cpus: cpus().length,
      throttling_data: { periods: t?.periods ?? 0, throttled_periods: t?.throttledPeriods ?? 0, throttled_time: t?.throttledTime ?? 0 },
    },
    precpu_stats: prev?.cpu_stats ?? emptyCpu(),
    memory_stats: {
      usage: cg.memory.usage.usage,
      ...(cg.memory.usage.max ? { max_usage: cg.memory.usage.max } : {}),
      // an unlimited cgroup reports a huge limit; dockerd reports the host's memory then
      limit: limit > 0 && limit < host ? limit : host,
      stats: cg.memory.raw ?? {},
      ...(cg.memory.usage.failcnt ? { failcnt: cg.memory.usage.failcnt } : {}),
    },
    blkio_stats: blkioStats(cg.blkio),
    ...(networks ? { networks } : {}),
  };
}

/** Sleeps ms; false when the signal fired first. */
function tick(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(ok);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * The stats stream: with stream, one frame a second until the signal (zeros
 * while the container is not running); else one frame, whose precpu is a
 * sample ~1 s older (oneShot: no precpu, at once).
 */
export async function* containerStats(engine: EngineCore, ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): AsyncGenerator<ContainerStatsJSON> {
  let rec = await engine.containers.get(ref);
  if (!opts.stream && opts.oneShot) {
    yield await sampleStats(engine, rec);
    return;
  }
  let prev = await sampleStats(engine, rec);
  for (;;) {
    if (!(await tick(INTERVAL_MS, opts.signal))) return;
    rec = await engine.containers.get(rec.Id).catch(() => rec);
    const cur = await sampleStats(engine, rec, prev.read === ZERO_TIME ? undefined : prev);
    yield cur;
    if (!opts.stream) return;
    prev = cur;
  }
}
