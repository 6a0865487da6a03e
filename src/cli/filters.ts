// docker's --filter k=v flags as the Engine API's filters map; the engine
// applies them.
import type { Filters } from '../engine/api-types.js';
import { UsageError } from './flags.js';

/** -f values as docker's CLI reads them: key=value, the key lowercased, both trimmed, repeats collapsed. */
export function parseFilterFlags(values: string[] | undefined): Filters {
  const out: Record<string, Set<string>> = {};
  for (const v of values ?? []) {
    if (v === '') continue;
    const i = v.indexOf('=');
    if (i < 0) throw new UsageError(`invalid argument "${v}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const key = v.slice(0, i).trim().toLowerCase();
    (out[key] ??= new Set()).add(v.slice(i + 1).trim());
  }
  return Object.fromEntries(Object.entries(out).map(([k, set]) => [k, [...set]]));
}
