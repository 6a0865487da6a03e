// v2 hugetlb controller: hugetlb.<size>.max.
import type { LinuxHugepageLimit } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { readCounter, readdirOptional, requireInteger, writeCgroupFile } from '../files.js';
import { checkPageSize } from '../v1/hugetlb.js';

export async function applyHugetlbV2(fs: HostFs, dir: string, limits: LinuxHugepageLimit[]): Promise<void> {
  for (const { pageSize, limit } of limits) {
    checkPageSize(pageSize);
    requireInteger(`hugetlb.${pageSize}.max`, limit, 0);
    await writeCgroupFile(fs, dir, `hugetlb.${pageSize}.max`, limit);
  }
}

export async function hugetlbStatsV2(fs: HostFs, dir: string): Promise<Record<string, { usage: number; max: number }>> {
  const out: Record<string, { usage: number; max: number }> = {};
  for (const name of await readdirOptional(fs, dir)) {
    const m = /^hugetlb\.(\w+)\.current$/.exec(name);
    if (m) out[m[1] as string] = { usage: await readCounter(fs, dir, name), max: await readCounter(fs, dir, `hugetlb.${m[1]}.max`) };
  }
  return out;
}
