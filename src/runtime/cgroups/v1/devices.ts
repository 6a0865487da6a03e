// v1 devices controller: deny everything, then replay the OCI rules in order.
import type { LinuxDeviceCgroup } from '../../../oci/runtime-spec.js';
import type { HostFs } from '../../../sys/host-fs.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { errnoCode, writeCgroupFile } from '../files.js';

/** "c 1:3 rwm" as devices.allow/deny take it; unset numbers are wildcards. */
export function deviceRuleText(rule: LinuxDeviceCgroup): string {
  const type = rule.type ?? 'a';
  const access = rule.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access)) throw invalidArgument(`invalid device access "${access}"`);
  if (!['a', 'b', 'c'].includes(type)) throw invalidArgument(`invalid device type "${type}"`);
  const num = (n: number | null | undefined) => (n === undefined || n === null || n < 0 ? '*' : String(n));
  return `${type} ${num(rule.major)}:${num(rule.minor)} ${access}`;
}

/**
 * Returns false when the controller refuses writes (inside a user namespace or a
 * container whose devices cgroup is read-only): the parent's rules still apply.
 */
export async function applyDevicesV1(fs: HostFs, dir: string, rules: LinuxDeviceCgroup[]): Promise<boolean> {
  const texts = rules.map(deviceRuleText);
  try {
    await writeCgroupFile(fs, dir, 'devices.deny', 'a');
  } catch (err) {
    const code = errnoCode((err as Error).cause);
    if (code === 'EPERM' || code === 'EACCES' || code === 'EROFS') return false;
    throw err;
  }
  for (const [i, rule] of rules.entries()) {
    await writeCgroupFile(fs, dir, rule.allow ? 'devices.allow' : 'devices.deny', texts[i] as string);
  }
  return true;
}
