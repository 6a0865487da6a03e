// Query-parameter parsing with dockerd's semantics (api/server/httputils).
import { invalidArgument } from '../../errdefs/index.js';

/** httputils.BoolValue: anything but "", "0", "no", "false", "none" (any case) is true. */
export function boolParam(query: URLSearchParams, name: string, dflt = false): boolean {
  const raw = query.get(name);
  if (raw === null) return dflt;
  const s = raw.trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
}

/** An integer parameter; absent or empty is undefined, anything else not an integer a 400. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  if (!/^[+-]?\d+$/.test(raw.trim())) throw invalidArgument(`invalid value for ${name}: strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

/**
 * filters.FromJSON: `{"status":{"running":true}}` (the current form) or the
 * legacy `{"status":["running"]}`; empty means no filters.
 */
export function filtersParam(query: URLSearchParams, name = 'filters'): Record<string, string[]> {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`invalid filter: ${(err as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument('invalid filter: filters must be a JSON object');
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) out[key] = value.map(String);
    else if (value && typeof value === 'object') out[key] = Object.entries(value as Record<string, unknown>).filter(([, on]) => on).map(([v]) => v);
    else throw invalidArgument(`invalid filter: the value of ${key} must be a list or a map`);
  }
  return out;
}
