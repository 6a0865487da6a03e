// v2 io controller: io.weight (converted from blkio's 10..1000 range) and io.max.
import type { LinuxBlockIO } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { readOptional, requireInteger, writeCgroupFile } from '../files.js';

/** blkio weight [10, 1000] → io.weight [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

const LIMITS: [keyof LinuxBlockIO, string][] = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
];

export async function applyIoV2(fs: HostFs, dir: string, io: LinuxBlockIO): Promise<void> {
  if (io.weight !== undefined && io.weight !== 0) {
    requireInteger('io.weight', io.weight, 10, 1000);
    await writeCgroupFile(fs, dir, 'io.weight', blkioWeightToIoWeight(io.weight));
  }
  for (const wd of io.weightDevice ?? []) {
    if (wd.weight === undefined) continue;
    requireInteger('io.weight', wd.weight, 10, 1000);
    await writeCgroupFile(fs, dir, 'io.weight', `${wd.major}:${wd.minor} ${blkioWeightToIoWeight(wd.weight)}`);
  }
  for (const [key, name] of LIMITS) {
    for (const t of (io[key] as { major: number; minor: number; rate: number }[] | undefined) ?? []) {
      requireInteger('io.max', t.rate, 0);
      // 0 means "no limit" in OCI; io.max spells that "max".
      await writeCgroupFile(fs, dir, 'io.max', `${t.major}:${t.minor} ${name}=${t.rate === 0 ? 'max' : t.rate}`);
    }
  }
}

export interface IoStatEntry {
  major: number;
  minor: number;
  values: Record<string, number>;
}

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
export async function ioStatsV2(fs: HostFs, dir: string): Promise<{ ioStat: IoStatEntry[] }> {
  const out: IoStatEntry[] = [];
  for (const line of ((await readOptional(fs, dir, 'io.stat')) ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const values: Record<string, number> = {};
    for (const p of pairs) {
      const [k, v] = p.split('=');
      if (k && v !== undefined) values[k] = Number(v);
    }
    out.push({ major: Number(m[1]), minor: Number(m[2]), values });
  }
  return { ioStat: out };
}
