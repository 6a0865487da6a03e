// usage_nano_cores as containerd and cadvisor compute it: the change of a
// cgroup's CPU time since the last sample the server took of it, over the time
// between them. The first sample of an ID has no rate yet (0, as containerd).
// A sample soon after the last one (the kubelet's RPCs of one round, a metrics
// scrape) gets the last rate and keeps the older sample as the base, so a rate
// is never taken over a few milliseconds. Kept per server, in memory; samples
// not refreshed for a while are dropped (their container is gone).
import type { CriContext } from './types.js';

interface CpuSample {
  usageNs: bigint;
  atNs: bigint;
  rate: bigint;
}

const NS_PER_S = 1_000_000_000n;
/** The shortest interval a rate is taken over. */
const MIN_INTERVAL_NS = NS_PER_S / 2n;
const FORGET_AFTER_NS = 600n * NS_PER_S;

/** The last sample of each cgroup ID, and the rate it gave. */
export class CpuRates {
  private readonly samples = new Map<string, CpuSample>();

  /** Cores in use (in billionths) over the interval since the last sample of id. */
  rate(id: string, usageNs: bigint, atNs: bigint): bigint {
    for (const [key, s] of this.samples) if (atNs - s.atNs > FORGET_AFTER_NS) this.samples.delete(key);
    const prev = this.samples.get(id);
    if (prev && atNs - prev.atNs < MIN_INTERVAL_NS) return prev.rate;
    // No base, or a counter that went back (a new cgroup under the same ID): no rate yet.
    const rate = prev && usageNs >= prev.usageNs ? ((usageNs - prev.usageNs) * NS_PER_S) / (atNs - prev.atNs) : 0n;
    this.samples.set(id, { usageNs, atNs, rate });
    return rate;
  }
}

const ratesOf = new WeakMap<CriContext, CpuRates>();

/** The CRI server's CpuRates. */
export function cpuRates(ctx: CriContext): CpuRates {
  const rates = ratesOf.get(ctx) ?? new CpuRates();
  ratesOf.set(ctx, rates);
  return rates;
}
