// usage_nano_cores as containerd and cadvisor compute it: the change of a
// cgroup's CPU time since the last sample the server took of it, over the time
// between them. The first sample of an ID has no rate (0). Kept per server, in
// memory; samples not refreshed for a while are dropped (the container is gone).
import type { CriContext } from './types.js';

interface CpuSample {
  usageNs: bigint;
  atNs: bigint;
}

const FORGET_AFTER_NS = 10n * 60n * 1_000_000_000n;

const samplesOf = new WeakMap<CriContext, Map<string, CpuSample>>();

/** Cores in use (in billionths) between the last sample of id and this one, which replaces it. */
export function usageNanoCores(ctx: CriContext, id: string, usageNs: bigint, atNs: bigint): bigint {
  let samples = samplesOf.get(ctx);
  if (!samples) samplesOf.set(ctx, (samples = new Map()));
  const prev = samples.get(id);
  for (const [key, s] of samples) if (atNs - s.atNs > FORGET_AFTER_NS) samples.delete(key);
  // A sample older than the last one (calls crossing) keeps the newer one.
  if (prev && atNs < prev.atNs) return 0n;
  samples.set(id, { usageNs, atNs });
  const interval = prev ? atNs - prev.atNs : 0n;
  // A counter that went back is a new cgroup under the same ID: no rate yet.
  if (!prev || interval <= 0n || usageNs < prev.usageNs) return 0n;
  return ((usageNs - prev.usageNs) * 1_000_000_000n) / interval;
}
