// v1 freezer: write the wanted state and poll until the kernel reports it.
import type { HostFs } from '../../../sys/host-fs.js';
import { unavailable } from '../../../errdefs/index.js';
import { readCgroupFile, sleep, writeCgroupFile } from '../files.js';

export async function setFreezerStateV1(fs: HostFs, dir: string, state: 'FROZEN' | 'THAWED'): Promise<void> {
  // FREEZING can linger while tasks are in uninterruptible sleep; rewriting the state nudges it.
  for (let attempt = 0; attempt < 1000; attempt++) {
    await writeCgroupFile(fs, dir, 'freezer.state', state);
    const now = await readCgroupFile(fs, dir, 'freezer.state');
    if (now === state) return;
    await sleep(attempt < 10 ? 1 : 10);
  }
  throw unavailable(`${dir}/freezer.state: timed out waiting for ${state}`);
}

export async function isFrozenV1(fs: HostFs, dir: string): Promise<boolean> {
  return (await readCgroupFile(fs, dir, 'freezer.state')) === 'FROZEN';
}
