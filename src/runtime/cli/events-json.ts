// runc's `events` objects. Stats use runc's libcontainer JSON names
// (snake_case throttling, omitempty counters) because go-runc decodes them
// into its own Stats type for containerd's metrics.
import type { CgroupStatsSnapshot } from '../api.js';

type Json = Record<string, unknown>;

/** Go's omitempty for numbers and slices. */
function omitEmpty(o: Json): Json {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== 0 && !(Array.isArray(v) && v.length === 0)),
  );
}

export function runcStats(s: CgroupStatsSnapshot): Json {
  const entry = (e: { limit: number; usage: number; max?: number; failcnt?: number } | undefined) =>
    e === undefined ? undefined : { limit: e.limit, ...omitEmpty({ usage: e.usage, max: e.max }), failcnt: e.failcnt ?? 0 };
  const t = s.cpu.throttling;
  return {
    cpu: {
      usage: { ...omitEmpty({ total: s.cpu.usage.total, percpu: s.cpu.usage.percpu }), kernel: s.cpu.usage.kernel, user: s.cpu.usage.user },
      throttling: t ? omitEmpty({ periods: t.periods, throttled_periods: t.throttledPeriods, throttled_time: t.throttledTime }) : {},
    },
    memory: omitEmpty({
      cache: s.memory.cache,
      usage: entry(s.memory.usage),
      swap: entry(s.memory.swap),
      raw: s.memory.raw && Object.keys(s.memory.raw).length > 0 ? s.memory.raw : undefined,
    }),
    pids: omitEmpty({ current: s.pids.current, limit: s.pids.limit }),
    blkio: s.blkio ?? {},
    hugetlb: s.hugetlb ?? {},
  };
}

export const statsEvent = (id: string, s: CgroupStatsSnapshot) => ({ type: 'stats', id, data: runcStats(s) });
export const oomEvent = (id: string) => ({ type: 'oom', id });
