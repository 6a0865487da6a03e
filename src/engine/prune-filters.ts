// The filters every prune takes (containers, images, networks, volumes):
// until=<unix seconds|RFC 3339|Go duration>, label=k[=v], label!=k[=v].
import { invalidArgument } from '../errdefs/index.js';
import type { Filters } from './api-types.js';

/** label=k or label=k=v against an object's labels. */
export function labelMatches(labels: Record<string, string> | null | undefined, filter: string): boolean {
  const eq = filter.indexOf('=');
  const key = eq < 0 ? filter : filter.slice(0, eq);
  return labels != null && key in labels && (eq < 0 || labels[key] === filter.slice(eq + 1));
}

const DURATION_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 36e5 };

/** until=<unix seconds|RFC 3339|Go duration ("1h30m", before now)>: dockerd's timestamp forms, in ms. */
export function untilMs(value: string, now = Date.now()): number {
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * DURATION_MS[unit!]!;
    return now - ms;
  }
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
  return t;
}

/** Whether prune's until/label/label! filters keep (spare) an object created at `createdMs` with these labels. */
export function keptByPruneFilters(createdMs: number, labels: Record<string, string> | null | undefined, filters: Filters, now = Date.now()): boolean {
  return (
    (filters.until ?? []).some((u) => createdMs >= untilMs(u, now)) ||
    !(filters.label ?? []).every((l) => labelMatches(labels, l)) ||
    (filters['label!'] ?? []).some((l) => labelMatches(labels, l))
  );
}
