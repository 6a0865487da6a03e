// v1 blkio controller: weights (CFQ's blkio.weight or BFQ's blkio.bfq.weight) and throttles.
import type { LinuxBlockIO, LinuxThrottleDevice } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { readOptional, requireInteger, writeCgroupFile } from '../files.js';

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

const THROTTLES: [keyof LinuxBlockIO, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
];

async function weightFile(fs: HostFs, dir: string, cfq: string, bfq: string): Promise<string> {
  if (await fs.exists(`${dir}/${cfq}`)) return cfq;
  if (await fs.exists(`${dir}/${bfq}`)) return bfq;
  throw invalidArgument(`blkio weight requested but neither ${cfq} nor ${bfq} exists (no CFQ or BFQ I/O scheduler)`);
}

export async function applyBlkioV1(fs: HostFs, dir: string, io: LinuxBlockIO): Promise<void> {
  if (io.weight !== undefined && io.weight !== 0) {
    requireInteger('blkio.weight', io.weight, 10, 1000);
    await writeCgroupFile(fs, dir, await weightFile(fs, dir, 'blkio.weight', 'blkio.bfq.weight'), io.weight);
  }
  if (io.leafWeight !== undefined && io.leafWeight !== 0) await writeCgroupFile(fs, dir, 'blkio.leaf_weight', io.leafWeight);
  for (const wd of io.weightDevice ?? []) {
    if (wd.weight !== undefined) {
      const file = await weightFile(fs, dir, 'blkio.weight_device', 'blkio.bfq.weight_device');
      await writeCgroupFile(fs, dir, file, `${wd.major}:${wd.minor} ${wd.weight}`);
    }
    if (wd.leafWeight !== undefined) await writeCgroupFile(fs, dir, 'blkio.leaf_weight_device', `${wd.major}:${wd.minor} ${wd.leafWeight}`);
  }
  for (const [key, file] of THROTTLES) {
    for (const t of (io[key] as LinuxThrottleDevice[] | undefined) ?? []) {
      requireInteger(file, t.rate, 0);
      await writeCgroupFile(fs, dir, file, `${t.major}:${t.minor} ${t.rate}`);
    }
  }
}

/** "8:0 Read 4096" lines; the "Total" summary line has no device and is dropped. */
export function parseBlkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] as string, value: Number(m[4]) });
  }
  return out;
}

export async function blkioStatsV1(fs: HostFs, dir: string): Promise<Record<string, BlkioEntry[]>> {
  return {
    ioServiceBytesRecursive: parseBlkioEntries(await readOptional(fs, dir, 'blkio.throttle.io_service_bytes_recursive')),
    ioServicedRecursive: parseBlkioEntries(await readOptional(fs, dir, 'blkio.throttle.io_serviced_recursive')),
  };
}
