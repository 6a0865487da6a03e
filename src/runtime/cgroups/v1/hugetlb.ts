// v1 hugetlb controller: hugetlb.<size>.limit_in_bytes per page size ("2MB", "1GB").
import type { LinuxHugepageLimit } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { readCounter, readdirOptional, requireInteger, writeCgroupFile } from '../files.js';

export function checkPageSize(pageSize: string): void {
  if (!/^\d+[KMG]B$/.test(pageSize)) throw invalidArgument(`invalid hugepage size "${pageSize}"`);
}

export async function applyHugetlbV1(fs: HostFs, dir: string, limits: LinuxHugepageLimit[]): Promise<void> {
  for (const { pageSize, limit } of limits) {
    checkPageSize(pageSize);
    const file = `hugetlb.${pageSize}.limit_in_bytes`;
    requireInteger(file, limit, 0);
    await writeCgroupFile(fs, dir, file, limit);
  }
}

export async function hugetlbStatsV1(fs: HostFs, dir: string): Promise<Record<string, { usage: number; max: number; failcnt: number }>> {
  const out: Record<string, { usage: number; max: number; failcnt: number }> = {};
  for (const name of await readdirOptional(fs, dir)) {
    const m = /^hugetlb\.(\w+)\.usage_in_bytes$/.exec(name);
    if (!m) continue;
    const size = m[1] as string;
    out[size] = {
      usage: await readCounter(fs, dir, name),
      max: await readCounter(fs, dir, `hugetlb.${size}.max_usage_in_bytes`),
      failcnt: await readCounter(fs, dir, `hugetlb.${size}.failcnt`),
    };
  }
  return out;
}
