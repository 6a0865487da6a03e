// Seccomp architectures: the AUDIT_ARCH_* token the kernel puts in seccomp_data.arch
// and each ABI's system call numbers.
import { invalidArgument } from '../../errdefs/index.js';
import x86_64 from './syscalls/x86_64.js';
import x86 from './syscalls/x86.js';
import x32 from './syscalls/x32.js';
import aarch64 from './syscalls/aarch64.js';
import arm from './syscalls/arm.js';

/** x32 shares AUDIT_ARCH_X86_64 and marks its calls with this bit in the number. */
export const X32_SYSCALL_BIT = 0x40000000;

export interface SeccompArch {
  name: string;
  auditArch: number;
  /** Arguments are 32-bit: only the low word of each seccomp_data arg is compared. */
  is32bit: boolean;
  syscalls: ReadonlyMap<string, number>;
}

function parseTable(text: string, bit = 0): Map<string, number> {
  const words = text.split(/\s+/).filter(Boolean);
  const table = new Map<string, number>();
  for (let i = 0; i + 1 < words.length; i += 2) table.set(words[i] as string, (Number(words[i + 1]) | bit) >>> 0);
  return table;
}

const DEFS: [string, number, boolean, () => Map<string, number>][] = [
  ['SCMP_ARCH_X86_64', 0xc000003e, false, () => parseTable(x86_64)],
  ['SCMP_ARCH_X86', 0x40000003, true, () => parseTable(x86)],
  ['SCMP_ARCH_X32', 0xc000003e, false, () => parseTable(x32, X32_SYSCALL_BIT)],
  ['SCMP_ARCH_AARCH64', 0xc00000b7, false, () => parseTable(aarch64)],
  ['SCMP_ARCH_ARM', 0x40000028, true, () => parseTable(arm)],
];

const cache = new Map<string, SeccompArch>();

const ALIASES: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64', x86_64: 'SCMP_ARCH_X86_64', amd64: 'SCMP_ARCH_X86_64',
  ia32: 'SCMP_ARCH_X86', x86: 'SCMP_ARCH_X86', i386: 'SCMP_ARCH_X86', '386': 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32',
  arm64: 'SCMP_ARCH_AARCH64', aarch64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
};

/** "SCMP_ARCH_X86_64", or a Node/Go/uname name such as "x64", "amd64", "aarch64". */
export function seccompArch(name: string): SeccompArch {
  const canonical = ALIASES[name] ?? name;
  let arch = cache.get(canonical);
  if (arch === undefined) {
    const def = DEFS.find((d) => d[0] === canonical);
    if (def === undefined) throw invalidArgument(`unsupported seccomp architecture "${name}"`);
    arch = { name: def[0], auditArch: def[1], is32bit: def[2], syscalls: def[3]() };
    cache.set(canonical, arch);
  }
  return arch;
}

export const SUPPORTED_ARCHITECTURES: readonly string[] = DEFS.map((d) => d[0]);
