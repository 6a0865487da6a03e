// The LinuxResources `update` applies: JSON from --resources (a file, or "-"
// for stdin, as containerd and CRI-O pass it), else built from runc's flags.
import { invalidArgument } from '../../errdefs/index.js';
import type { LinuxResources } from '../../oci/runtime-spec.js';
import { flagString, type FlagDef, type ParsedArgs } from './args.js';

export const RESOURCE_FLAGS: readonly FlagDef[] = [
  { names: ['resources', 'r'], kind: 'string', usage: 'path to the file containing the resources to update or \'-\' to read from the standard input' },
  { names: ['blkio-weight'], kind: 'string', usage: 'Specifies per cgroup weight, range is from 10 to 1000' },
  { names: ['cpu-period'], kind: 'string', usage: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
  { names: ['cpu-quota'], kind: 'string', usage: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
  { names: ['cpu-share', 'cpu-shares'], kind: 'string', usage: 'CPU shares (relative weight vs. other containers)' },
  { names: ['cpu-rt-period'], kind: 'string', usage: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
  { names: ['cpu-rt-runtime'], kind: 'string', usage: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
  { names: ['cpuset-cpus'], kind: 'string', usage: 'CPU(s) to use' },
  { names: ['cpuset-mems'], kind: 'string', usage: 'Memory node(s) to use' },
  { names: ['memory'], kind: 'string', usage: 'Memory limit (in bytes, or with a suffix: 512m, 1g)' },
  { names: ['memory-reservation'], kind: 'string', usage: 'Memory reservation or soft_limit (in bytes)' },
  { names: ['memory-swap'], kind: 'string', usage: 'Total memory usage (memory + swap); set \'-1\' to enable unlimited swap' },
  { names: ['pids-limit'], kind: 'string', usage: 'Maximum number of pids allowed in the container' },
];

const MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker/go-units RAMInBytes ("512m", "1g", "1.5GiB", "4096") plus runc's "-1" for unlimited. */
export function parseMemorySize(flag: string, raw: string): number {
  if (raw === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(raw.trim());
  if (!m) throw invalidArgument(`invalid value for ${flag}: invalid size: '${raw}'`);
  return Math.floor(Number(m[1]) * MULTIPLIERS[m[2]!.toLowerCase()]!);
}

function parseInteger(flag: string, raw: string, allowNegative: boolean): number {
  if (!(allowNegative ? /^-?\d+$/ : /^\d+$/).test(raw)) throw invalidArgument(`invalid value for ${flag}: ${raw}`);
  return Number(raw);
}

const hasAny = (o: object) => Object.values(o).some((v) => v !== undefined);

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Only the flags the user set end up in the result, so unset limits stay untouched. */
export function resourcesFromFlags(p: ParsedArgs): LinuxResources {
  const r: LinuxResources = {};
  const str = (name: string) => flagString(p, name);
  const uint = (name: string) => {
    const v = str(name);
    return v === undefined ? undefined : parseInteger(name, v, false);
  };
  const int = (name: string) => {
    const v = str(name);
    return v === undefined ? undefined : parseInteger(name, v, true);
  };
  const mem = (name: string) => {
    const v = str(name);
    return v === undefined ? undefined : parseMemorySize(name, v);
  };

  const weight = uint('blkio-weight');
  if (weight !== undefined) r.blockIO = { weight };

  const cpu = {
    shares: uint('cpu-share'),
    quota: int('cpu-quota'),
    period: uint('cpu-period'),
    realtimeRuntime: int('cpu-rt-runtime'),
    realtimePeriod: uint('cpu-rt-period'),
    cpus: str('cpuset-cpus'),
    mems: str('cpuset-mems'),
  };
  if (hasAny(cpu)) r.cpu = dropUndefined(cpu);

  const memory = { limit: mem('memory'), reservation: mem('memory-reservation'), swap: mem('memory-swap') };
  if (hasAny(memory)) r.memory = dropUndefined(memory);

  const pids = int('pids-limit');
  if (pids !== undefined) r.pids = { limit: pids };
  return r;
}

export function parseResourcesJson(text: string, source: string): LinuxResources {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`decode resources from ${source}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`decode resources from ${source}: expected a JSON object`);
  }
  return value as LinuxResources;
}
