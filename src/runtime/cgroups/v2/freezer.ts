// v2 freezer: cgroup.freeze, confirmed by "frozen" in cgroup.events.
import type { HostFs } from '../../../sys/host-fs.js';
import { unavailable } from '../../../errdefs/index.js';
import { readKeyValues, sleep, writeCgroupFile } from '../files.js';

export async function setFrozenV2(fs: HostFs, dir: string, frozen: boolean): Promise<void> {
  await writeCgroupFile(fs, dir, 'cgroup.freeze', frozen ? '1' : '0');
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (await isFrozenV2(fs, dir) === frozen) return;
    await sleep(attempt < 10 ? 1 : 10);
  }
  throw unavailable(`${dir}/cgroup.events: timed out waiting for frozen ${frozen ? 1 : 0}`);
}

export async function isFrozenV2(fs: HostFs, dir: string): Promise<boolean> {
  return (await readKeyValues(fs, dir, 'cgroup.events'))['frozen'] === 1;
}
