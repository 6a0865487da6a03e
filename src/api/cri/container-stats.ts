// RuntimeService.ContainerStats and ListContainerStats: CPU time and memory of
// the pods' containers from the engine's one-shot stats (cgroup v1 and v2 alike).
// The working set is usage less inactive file pages, as the kubelet computes it.
import type { ContainerStatsJSON } from '../../engine/api-types.js';
import { SANDBOX_ID_LABEL, criAnnotations, criLabels, kindFilter, matchesSelector } from './labels.js';
import { containerMetadata } from './container-status.js';
import { inspectCri } from './lookup.js';
import { nowNs } from './time.js';
import type { CriContext, Rpc } from './types.js';

/** The engine's one-shot sample of a container (zeros when it is not running). */
export async function oneShot(ctx: CriContext, id: string): Promise<ContainerStatsJSON | undefined> {
  for await (const s of ctx.engine.containers.stats(id, { stream: false, oneShot: true })) return s;
  return undefined;
}

export const uint64 = (n: number) => ({ value: String(Math.max(0, Math.round(n))) });

/** CPU time and memory as the CRI's CpuUsage and MemoryUsage. */
export function usage(samples: (ContainerStatsJSON | undefined)[], ts: string) {
  let cpu = 0;
  let used = 0;
  let inactive = 0;
  let rss: number | undefined;
  for (const s of samples) {
    cpu += s?.cpu_stats.cpu_usage.total_usage ?? 0;
    used += s?.memory_stats.usage ?? 0;
    inactive += s?.memory_stats.stats?.['inactive_file'] ?? s?.memory_stats.stats?.['total_inactive_file'] ?? 0;
    const r = s?.memory_stats.stats?.['rss'];
    if (r !== undefined) rss = (rss ?? 0) + r;
  }
  return {
    cpu: { timestamp: ts, usage_core_nano_seconds: uint64(cpu) },
    memory: { timestamp: ts, working_set_bytes: uint64(used - inactive), usage_bytes: uint64(used), ...(rss !== undefined ? { rss_bytes: uint64(rss) } : {}) },
  };
}

/** A container's ContainerStats from its sample. */
export function criContainerStats(id: string, labels: Record<string, string>, s: ContainerStatsJSON | undefined, ts: string) {
  return {
    attributes: { id, metadata: containerMetadata(labels), labels: criLabels(labels), annotations: criAnnotations(labels) },
    ...usage([s], ts),
  };
}

async function criStats(ctx: CriContext, id: string, labels: Record<string, string>) {
  const s = await oneShot(ctx, id);
  return criContainerStats(id, labels, s, nowNs());
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
