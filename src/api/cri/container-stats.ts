// RuntimeService.ContainerStats and ListContainerStats: CPU time and rate,
// memory and the writable layer of the pods' containers, from the engine's
// one-shot stats (cgroup v1 and v2 alike). Memory as containerd gives it: the
// working set is usage less inactive file pages (what the kubelet evicts on),
// available is the limit less the working set (only under a limit), RSS and
// page faults from memory.stat (v1's hierarchical total_ figures where there).
import { totalmem } from 'node:os';
import type { ContainerStatsJSON } from '../../engine/api-types.js';
import { SANDBOX_ID_LABEL, criAnnotations, criLabels, kindFilter, matchesSelector } from './labels.js';
import { containerMetadata } from './container-status.js';
import { cpuRates } from './cpu-rate.js';
import { inspectCri } from './lookup.js';
import { nowNs } from './time.js';
import type { CriContext, Rpc } from './types.js';
import { writableLayer } from './writable-layer.js';

/** The engine's one-shot sample of a container (zeros when it is not running). */
export async function oneShot(ctx: CriContext, id: string): Promise<ContainerStatsJSON | undefined> {
  for await (const s of ctx.engine.containers.stats(id, { stream: false, oneShot: true })) return s;
  return undefined;
}

export const uint64 = (n: number | bigint) => ({ value: String(typeof n === 'bigint' ? (n > 0n ? n : 0n) : Math.max(0, Math.round(n))) });

/** A memory.stat figure: v1's hierarchical total_<name>, else <name> (v2 has only those). */
function memoryStat(s: ContainerStatsJSON | undefined, ...names: string[]): number | undefined {
  const stats = s?.memory_stats.stats;
  for (const name of names) {
    const v = stats?.[`total_${name}`] ?? stats?.[name];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Sum of a figure over the samples, undefined when no sample has it. */
function sum(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v !== undefined) ? values.reduce<number>((n, v) => n + (v ?? 0), 0) : undefined;
}

/** The cgroup's memory limit; undefined when unlimited (the engine reports the host's memory then). */
function memoryLimit(s: ContainerStatsJSON | undefined): number | undefined {
  const limit = s?.memory_stats.limit;
  return limit !== undefined && limit < totalmem() ? limit : undefined;
}

/**
 * CPU and memory of the cgroups sampled (one container's, or a pod's: summed),
 * as the CRI's CpuUsage and MemoryUsage; the CPU rate is against the last sample
 * taken for rateKey. Available bytes only when every cgroup is limited.
 */
export function usage(ctx: CriContext, rateKey: string, samples: (ContainerStatsJSON | undefined)[], ts: string) {
  const running = samples.filter((s): s is ContainerStatsJSON => s?.memory_stats.usage !== undefined);
  const cpu = samples.reduce((n, s) => n + BigInt(Math.round(s?.cpu_stats.cpu_usage.total_usage ?? 0)), 0n);
  const workingSets = running.map((s) => Math.max(0, (s.memory_stats.usage ?? 0) - (memoryStat(s, 'inactive_file') ?? 0)));
  const workingSet = workingSets.reduce((n, w) => n + w, 0);
  const limits = running.map(memoryLimit);
  const limited = running.length > 0 && limits.every((l) => l !== undefined);
  const limit = limits.reduce<number>((n, l) => n + (l ?? 0), 0);
  const optional = (name: string, v: number | undefined) => (v !== undefined ? { [name]: uint64(v) } : {});
  return {
    cpu: { timestamp: ts, usage_core_nano_seconds: uint64(cpu), usage_nano_cores: uint64(cpuRates(ctx).rate(rateKey, cpu, BigInt(ts))) },
    memory: {
      timestamp: ts,
      working_set_bytes: uint64(workingSet),
      ...optional('available_bytes', limited ? limit - workingSet : undefined),
      usage_bytes: uint64(running.reduce((n, s) => n + (s.memory_stats.usage ?? 0), 0)),
      // v2 calls the anonymous memory anon
      ...optional('rss_bytes', sum(running.map((s) => memoryStat(s, 'rss', 'anon')))),
      ...optional('page_faults', sum(running.map((s) => memoryStat(s, 'pgfault')))),
      ...optional('major_page_faults', sum(running.map((s) => memoryStat(s, 'pgmajfault')))),
    },
  };
}

/** A container's ContainerStats from its sample. */
export async function criContainerStats(ctx: CriContext, id: string, labels: Record<string, string>, s: ContainerStatsJSON | undefined, ts: string) {
  return {
    attributes: { id, metadata: containerMetadata(labels), labels: criLabels(labels), annotations: criAnnotations(labels) },
    ...usage(ctx, id, [s], ts),
    writable_layer: await writableLayer(ctx, id),
  };
}

async function criStats(ctx: CriContext, id: string, labels: Record<string, string>) {
  const s = await oneShot(ctx, id);
  return criContainerStats(ctx, id, labels, s, nowNs());
}

export const containerStats: Rpc<{ container_id: string }, object> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  return { stats: await criStats(ctx, rec.Id, rec.Config.Labels) };
};

interface ContainerStatsFilter {
  id: string;
  pod_sandbox_id: string;
  label_selector: Record<string, string>;
}

/** The running containers the filter selects (stats of stopped ones are the kubelet's from before). */
export const listContainerStats: Rpc<{ filter: ContainerStatsFilter | null }, object> = async (ctx, req) => {
  const f = req.filter;
  const list = await ctx.engine.containers.list({ filters: kindFilter('container') });
  const chosen = list.filter(
    (c) =>
      (!f?.id || c.Id.startsWith(f.id)) &&
      (!f?.pod_sandbox_id || (c.Labels[SANDBOX_ID_LABEL] ?? '').startsWith(f.pod_sandbox_id)) &&
      matchesSelector(criLabels(c.Labels), f?.label_selector),
  );
  return { stats: await Promise.all(chosen.map((c) => criStats(ctx, c.Id, c.Labels))) };
};
