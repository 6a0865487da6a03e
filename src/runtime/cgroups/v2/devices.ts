// v2 device control. The kernel only offers it as a BPF_PROG_TYPE_CGROUP_DEVICE
// program attached to the cgroup (bpf(2) BPF_PROG_LOAD + BPF_PROG_ATTACH), which
// the native helper does not load yet. We compute what the program must decide
// and say clearly that it is not enforced.
import type { LinuxDeviceCgroup } from '../../../oci/runtime-spec.js';
import { deviceRuleText } from '../v1/devices.js';

/** The rules the device program would evaluate, last match wins, default deny. */
export function deviceProgramRules(rules: LinuxDeviceCgroup[]): string[] {
  return rules.map((r) => `${r.allow ? 'allow' : 'deny'} ${deviceRuleText(r)}`);
}

/** A warning when rules would restrict anything; "allow all" needs no program. */
export function devicesV2Warning(rules: LinuxDeviceCgroup[]): string | undefined {
  const last = rules[rules.length - 1];
  const allowsAll = last !== undefined && last.allow && (last.type ?? 'a') === 'a' && (last.access ?? 'rwm').length === 3;
  if (rules.length === 0 || allowsAll) return undefined;
  return `cgroup v2 device rules need a BPF_CGROUP_DEVICE program, which is not implemented: not enforced (${deviceProgramRules(rules).join('; ')})`;
}
