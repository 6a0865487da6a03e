// linux.resources.unified: raw cgroup v2 "file": "value" pairs, written as given.
import type { HostFs } from '../../../sys/host-fs.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { readOptional, writeCgroupFile } from '../files.js';

export async function applyUnified(fs: HostFs, dir: string, unified: Record<string, string>): Promise<void> {
  const controllers = ((await readOptional(fs, dir, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
  for (const [key, value] of Object.entries(unified)) {
    if (key.includes('/') || key.startsWith('.') || !key.includes('.')) throw invalidArgument(`unified resource "${key}" is not a cgroup file name`);
    const controller = key.slice(0, key.indexOf('.'));
    if (controller !== 'cgroup' && !controllers.includes(controller)) {
      throw invalidArgument(`unified resource "${key}" can't be set: controller "${controller}" not available`);
    }
    await writeCgroupFile(fs, dir, key, value);
  }
}
