// Linux capability names in kernel number order (include/uapi/linux/capability.h).
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../errdefs/index.js';

export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
  'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const NUMBERS = new Map(ALL_CAPABILITIES.map((name, i) => [name, i]));

/** "CAP_NET_ADMIN" (case-insensitive, "CAP_" optional as docker accepts) → 12. */
export function capabilityNumber(name: string): number {
  const upper = name.toUpperCase();
  const n = NUMBERS.get(upper.startsWith('CAP_') ? upper : `CAP_${upper}`);
  if (n === undefined) throw invalidArgument(`unknown capability "${name}"`);
  return n;
}

export function capabilityMask(names: string[]): bigint {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(capabilityNumber(name));
  return mask;
}

export function capabilitiesFromMask(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

let cachedLastCap: number | undefined;

/** The highest capability the running kernel knows (older kernels stop before CAP_CHECKPOINT_RESTORE). */
export function lastCap(): number {
  if (cachedLastCap === undefined) {
    try {
      cachedLastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    } catch {
      cachedLastCap = ALL_CAPABILITIES.length - 1;
    }
  }
  return cachedLastCap;
}

/**
 * The capabilities this process may hand on: its bounding set (/proc/self/status
 * CapBnd). A privileged container gets these, as with containerd: root without
 * CAP_SYS_RESOURCE (as in some sandboxes) cannot give it away.
 */
export function boundingCapabilities(): string[] {
  try {
    const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line) return capabilitiesFromMask(BigInt(`0x${line[1]}`));
  } catch {
    // no procfs: fall through to every capability the kernel knows
  }
  return ALL_CAPABILITIES.slice(0, lastCap() + 1);
}
