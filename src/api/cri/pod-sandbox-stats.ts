// RuntimeService.PodSandboxStats and ListPodSandboxStats: a pod's CPU time and
// rate, memory (in ContainerStats' conversion) and process count as the sums
// over its pause container and its running containers (each cgroup's own
// figures, wherever the pod's cgroup parent puts them), the interfaces of its
// network namespace (the pause process's /proc/<pid>/net/dev, none with the
// host's network), and each container's ContainerStats as ContainerStats
// returns them.
import type { ContainerStatsJSON } from '../../engine/api-types.js';
import { SANDBOX_ID_LABEL, criAnnotations, criLabels, kindFilter, matchesSelector } from './labels.js';
import { criContainerStats, oneShot, uint64, usage } from './container-stats.js';
import { inspectCri } from './lookup.js';
import { sandboxMetadata } from './pod-sandbox-status.js';
import { nowNs } from './time.js';
import type { CriContext, Rpc } from './types.js';

function network(s: ContainerStatsJSON | undefined, ts: string) {
  if (!s?.networks) return null;
  const interfaces = Object.entries(s.networks).map(([name, n]) => ({
    name,
    rx_bytes: uint64(n.rx_bytes),
    rx_errors: uint64(n.rx_errors),
    tx_bytes: uint64(n.tx_bytes),
    tx_errors: uint64(n.tx_errors),
  }));
  // The kubelet reports the default interface's as the pod's network figures.
  const defaultInterface = interfaces.find((i) => i.name === 'eth0') ?? interfaces[0] ?? null;
  return { timestamp: ts, default_interface: defaultInterface, interfaces };
}

async function sandboxStats(ctx: CriContext, id: string, labels: Record<string, string>) {
  const containers = (await ctx.engine.containers.list({ filters: kindFilter('container') })).filter((c) => c.Labels[SANDBOX_ID_LABEL] === id);
  const [pause, ...samples] = await Promise.all([oneShot(ctx, id), ...containers.map((c) => oneShot(ctx, c.Id))]);
  const ts = nowNs();
  const all = [pause, ...samples];
  return {
    attributes: { id, metadata: sandboxMetadata(labels), labels: criLabels(labels), annotations: criAnnotations(labels) },
    linux: {
      ...usage(ctx, id, all, ts),
      network: network(pause, ts),
      process: { timestamp: ts, process_count: uint64(all.reduce((n, s) => n + (s?.pids_stats.current ?? 0), 0)) },
      containers: await Promise.all(containers.map((c, i) => criContainerStats(ctx, c.Id, c.Labels, samples[i], ts))),
    },
  };
}

export const podSandboxStats: Rpc<{ pod_sandbox_id: string }, object> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'sandbox', req.pod_sandbox_id);
  return { stats: await sandboxStats(ctx, rec.Id, rec.Config.Labels) };
};

interface PodSandboxStatsFilter {
  id: string;
  label_selector: Record<string, string>;
}

/** The running sandboxes the filter selects (an ID prefix, the pod's labels). */
export const listPodSandboxStats: Rpc<{ filter: PodSandboxStatsFilter | null }, object> = async (ctx, req) => {
  const f = req.filter;
  const list = await ctx.engine.containers.list({ filters: kindFilter('sandbox') });
  const chosen = list.filter((c) => (!f?.id || c.Id.startsWith(f.id)) && matchesSelector(criLabels(c.Labels), f?.label_selector));
  return { stats: await Promise.all(chosen.map((c) => sandboxStats(ctx, c.Id, c.Labels))) };
};
