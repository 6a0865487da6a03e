// OCI LinuxSeccomp → classic BPF, without libseccomp. Layout:
//   load arch; jump to the section of each listed arch, else the bad-arch action;
//   per section: load nr, then per syscall its rules in profile order (first match
//   wins, arguments compared as 64-bit values), then the default action.
import type { LinuxSeccomp, LinuxSeccompArg, SeccompAction } from '../../oci/runtime-spec.js';
import { invalidArgument } from '../../errdefs/index.js';
import { BpfAssembler, BPF_JEQ_K, BPF_JGE_K, BPF_JGT_K, BPF_MAX_INSNS, type Label } from './bpf.js';
import { seccompArch, X32_SYSCALL_BIT, type SeccompArch } from './arch.js';

export interface CompiledSeccomp {
  /** struct sock_filter[], 8 bytes per instruction. */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...). */
  flags: number;
}

export const SECCOMP_FILTER_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_NEW_LISTENER: 8,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH: 16,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

const SECCOMP_RET: Record<SeccompAction, number> = {
  SCMP_ACT_KILL: 0,
  SCMP_ACT_KILL_THREAD: 0,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

const EPERM = 1;
const BAD_ARCH_ACTION = SECCOMP_RET.SCMP_ACT_KILL_PROCESS;
const SECCOMP_DATA_NR = 0;
const SECCOMP_DATA_ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;
const argHigh = (i: number) => 20 + 8 * i;

function actionValue(action: SeccompAction, errnoRet: number | undefined, profile: LinuxSeccomp): number {
  const base = SECCOMP_RET[action];
  if (base === undefined) throw invalidArgument(`seccomp: unknown action "${action}"`);
  if (errnoRet !== undefined && action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') {
    throw invalidArgument(`seccomp: errnoRet is only supported with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${action}`);
  }
  if (action === 'SCMP_ACT_NOTIFY' && !profile.listenerPath) throw invalidArgument('seccomp: SCMP_ACT_NOTIFY requires listenerPath');
  if (action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') {
    const errno = errnoRet ?? EPERM;
    if (!Number.isInteger(errno) || errno < 0 || errno > 0xffff) throw invalidArgument(`seccomp: invalid errnoRet ${errno}`);
    return (base | errno) >>> 0;
  }
  return base;
}

/** OCI values are uint64 (JSON numbers here); negative ones are their two's complement. */
function u64(value: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(value));
}
const hi = (v: bigint) => Number(v >> 32n);
const lo = (v: bigint) => Number(v & 0xffffffffn);

interface Rule {
  conditions: LinuxSeccompArg[];
  action: number;
}

/** One condition on one argument: falls through when it holds, jumps to fail when not. */
function emitCondition(asm: BpfAssembler, arch: SeccompArch, c: LinuxSeccompArg, fail: Label): void {
  if (!Number.isInteger(c.index) || c.index < 0 || c.index > 5) throw invalidArgument(`seccomp: invalid argument index ${c.index}`);
  const pass = asm.label();
  const value = u64(c.value);
  const wide = !arch.is32bit;
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      if (wide) {
        asm.load(argHigh(c.index));
        asm.jump(BPF_JEQ_K, hi(value), undefined, fail);
      }
      asm.load(argLow(c.index));
      asm.jump(BPF_JEQ_K, lo(value), undefined, fail);
      break;
    case 'SCMP_CMP_NE':
      if (wide) {
        asm.load(argHigh(c.index));
        asm.jump(BPF_JEQ_K, hi(value), undefined, pass);
      }
      asm.load(argLow(c.index));
      asm.jump(BPF_JEQ_K, lo(value), fail, undefined);
      break;
    case 'SCMP_CMP_MASKED_EQ': {
      const datum = u64(c.valueTwo ?? 0);
      if (wide) {
        asm.load(argHigh(c.index));
        asm.and(hi(value));
        asm.jump(BPF_JEQ_K, hi(datum), undefined, fail);
      }
      asm.load(argLow(c.index));
      asm.and(lo(value));
      asm.jump(BPF_JEQ_K, lo(datum), undefined, fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      const last = c.op === 'SCMP_CMP_GT' ? BPF_JGT_K : BPF_JGE_K;
      if (wide) {
        // high word decides unless equal; then the low word does.
        asm.load(argHigh(c.index));
        asm.jump(BPF_JGT_K, hi(value), pass, undefined);
        asm.jump(BPF_JEQ_K, hi(value), undefined, fail);
      }
      asm.load(argLow(c.index));
      asm.jump(last, lo(value), undefined, fail);
      break;
    }
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // a < v  ⇔  !(a >= v);  a <= v  ⇔  !(a > v)
      const last = c.op === 'SCMP_CMP_LT' ? BPF_JGE_K : BPF_JGT_K;
      if (wide) {
        asm.load(argHigh(c.index));
        asm.jump(BPF_JGT_K, hi(value), fail, undefined);
        asm.jump(BPF_JEQ_K, hi(value), undefined, pass);
      }
      asm.load(argLow(c.index));
      asm.jump(last, lo(value), fail, undefined);
      break;
    }
    default:
      throw invalidArgument(`seccomp: unknown operator "${String(c.op)}"`);
  }
  asm.bind(pass);
}

/**
 * runc's rule: conditions in one entry are ANDed, except when an argument index
 * repeats, in which case each condition is its own rule (ORed).
 */
function splitConditions(args: LinuxSeccompArg[]): LinuxSeccompArg[][] {
  if (args.length === 0) return [[]];
  const seen = new Set<number>();
  const repeats = args.some((a) => seen.size === seen.add(a.index).size);
  return repeats ? args.map((a) => [a]) : [args];
}

/** Rules per syscall number for one arch, in profile order. */
function rulesFor(profile: LinuxSeccomp, arch: SeccompArch): Map<number, Rule[]> {
  const out = new Map<number, Rule[]>();
  for (const entry of profile.syscalls ?? []) {
    const action = actionValue(entry.action, entry.errnoRet, profile);
    for (const name of entry.names ?? []) {
      const nr = arch.syscalls.get(name);
      if (nr === undefined) continue; // not on this arch (libseccomp skips these too)
      let list = out.get(nr);
      if (list === undefined) out.set(nr, (list = []));
      for (const conditions of splitConditions(entry.args ?? [])) list.push({ conditions, action });
    }
  }
  return out;
}

/** Chains of "jeq nr → ret" share one return per action, up to 200 compares per chain. */
function emitUnconditional(asm: BpfAssembler, byAction: Map<number, number[]>): void {
  for (const [action, nrs] of byAction) {
    for (let i = 0; i < nrs.length; i += 200) {
      const hit = asm.label();
      const after = asm.label();
      for (const nr of nrs.slice(i, i + 200)) asm.jump(BPF_JEQ_K, nr, hit, undefined);
      asm.ja(after);
      asm.bind(hit);
      asm.ret(action);
      asm.bind(after);
    }
  }
}

function emitArchSection(asm: BpfAssembler, profile: LinuxSeccomp, arch: SeccompArch, defaultAction: number): void {
  const rules = rulesFor(profile, arch);
  const simple = new Map<number, number[]>();
  const conditional: [number, Rule[]][] = [];
  for (const [nr, list] of rules) {
    const first = list[0] as Rule;
    if (first.conditions.length === 0) {
      // First match wins: a leading unconditional rule decides alone.
      let nrs = simple.get(first.action);
      if (nrs === undefined) simple.set(first.action, (nrs = []));
      nrs.push(nr);
    } else {
      conditional.push([nr, list]);
    }
  }
  emitUnconditional(asm, simple);
  for (const [nr, list] of conditional) {
    const nextSyscall = asm.label();
    asm.jump(BPF_JEQ_K, nr, undefined, nextSyscall);
    for (const rule of list) {
      const fail = asm.label();
      for (const c of rule.conditions) emitCondition(asm, arch, c, fail);
      asm.ret(rule.action);
      if (rule.conditions.length === 0) break; // nothing after an unconditional rule can match
      asm.bind(fail);
    }
    if (list.every((r) => r.conditions.length > 0)) asm.ret(defaultAction);
    // Only the jeq's miss reaches here, so A still holds nr.
    asm.bind(nextSyscall);
  }
  asm.ret(defaultAction);
}

function nativeArchName(opts?: { arch?: string }): string {
  return opts?.arch ?? process.arch;
}

export function compileSeccomp(profile: LinuxSeccomp, opts?: { arch?: string }): CompiledSeccomp {
  let flags = 0;
  for (const f of profile.flags ?? []) {
    const bit = SECCOMP_FILTER_FLAGS[f];
    if (bit === undefined) throw invalidArgument(`seccomp: unknown flag "${f}"`);
    flags |= bit;
  }
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet, profile);
  const usesNotify = profile.defaultAction === 'SCMP_ACT_NOTIFY' || (profile.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_NOTIFY');
  // The listener fd only exists if the filter is installed with NEW_LISTENER.
  if (usesNotify) flags |= SECCOMP_FILTER_FLAGS['SECCOMP_FILTER_FLAG_NEW_LISTENER'] as number;

  // The native arch is always part of the filter, as with libseccomp.
  const archs: SeccompArch[] = [seccompArch(nativeArchName(opts))];
  for (const name of profile.architectures ?? []) {
    const a = seccompArch(name);
    if (!archs.some((x) => x.name === a.name)) archs.push(a);
  }

  const asm = new BpfAssembler();
  const badArch = asm.label();
  const sections = new Map<number, Label>();
  asm.load(SECCOMP_DATA_ARCH);
  for (const a of archs) {
    if (sections.has(a.auditArch)) continue;
    const l = asm.label();
    sections.set(a.auditArch, l);
    asm.jump(BPF_JEQ_K, a.auditArch, l, undefined);
  }
  asm.ret(BAD_ARCH_ACTION);
  for (const [auditArch, label] of sections) {
    asm.bind(label);
    asm.load(SECCOMP_DATA_NR);
    const sharing = archs.filter((a) => a.auditArch === auditArch);
    const x32 = sharing.find((a) => a.name === 'SCMP_ARCH_X32');
    const main = sharing.find((a) => a.name !== 'SCMP_ARCH_X32');
    if (auditArch === 0xc000003e) {
      // x86_64 and x32 share the audit arch; the X32 bit in nr tells them apart.
      const x32Label = asm.label();
      asm.jump(BPF_JGE_K, X32_SYSCALL_BIT, x32 ? x32Label : badArch, main ? undefined : badArch);
      if (main) emitArchSection(asm, profile, main, defaultAction);
      if (x32) {
        asm.bind(x32Label);
        emitArchSection(asm, profile, x32, defaultAction);
      }
    } else if (main) {
      emitArchSection(asm, profile, main, defaultAction);
    }
  }
  asm.bind(badArch);
  asm.ret(BAD_ARCH_ACTION);
  const program = asm.assemble();
  if (program.length / 8 > BPF_MAX_INSNS) {
    throw invalidArgument(`seccomp: the compiled filter has ${program.length / 8} instructions, over the kernel's limit of ${BPF_MAX_INSNS}`);
  }
  return { program, flags };
}
