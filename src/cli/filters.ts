// docker's --filter k=v flags as the Engine API's filters map.
import type { Filters } from '../engine/api.js';
import { UsageError } from './flags.js';

export function parseFilterFlags(list: string[] | undefined): Filters {
  const out: Filters = {};
  for (const f of list ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value)`);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return out;
}
