// --filter values as the docker CLI sends them to the daemon: key=value, the
// key lowercased, both trimmed, values of one key collected.
import type { Filters } from '../engine/api.js';
import { UsageError } from './flags.js';

export function filtersOf(values: string[] | undefined, flag = '-f, --filter'): Filters {
  const out: Filters = {};
  for (const v of values ?? []) {
    if (v === '') continue;
    const i = v.indexOf('=');
    if (i < 0) throw new UsageError(`invalid argument "${v}" for "${flag}" flag: bad format of filter (expected name=value)`);
    const key = v.slice(0, i).trim().toLowerCase();
    const value = v.slice(i + 1).trim();
    const list = (out[key] ??= []);
    if (!list.includes(value)) list.push(value);
  }
  return out;
}
