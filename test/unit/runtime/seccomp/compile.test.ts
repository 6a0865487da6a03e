import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSeccomp, compileSeccompCached, seccompArch } from '../../../../src/runtime/seccomp/index.js';
import type { LinuxSeccomp } from '../../../../src/oci/runtime-spec.js';
import { isInvalidArgument } from '../../../../src/errdefs/index.js';
import { runFilter, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM } from './bpf-interpreter.js';

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const errno = (e: number) => 0x00050000 | e;
const x64 = (name: string) => seccompArch('SCMP_ARCH_X86_64').syscalls.get(name) as number;
const run = (p: Buffer, name: string, args: (number | bigint)[] = [], arch = AUDIT_ARCH_X86_64) => runFilter(p, { nr: x64(name), arch, args });

test('syscall tables carry the kernel numbers', () => {
  assert.equal(x64('read'), 0);
  assert.equal(x64('mkdir'), 83);
  assert.equal(x64('clone3'), 435);
  assert.equal(seccompArch('SCMP_ARCH_X86').syscalls.get('mkdir'), 39);
  assert.equal(seccompArch('SCMP_ARCH_X32').syscalls.get('read'), 0x40000000);
  assert.equal(seccompArch('SCMP_ARCH_X32').syscalls.get('execve'), 0x40000000 + 520);
  assert.equal(seccompArch('SCMP_ARCH_AARCH64').syscalls.get('openat'), 56);
  assert.equal(seccompArch('SCMP_ARCH_AARCH64').syscalls.get('mkdir'), undefined);
  assert.equal(seccompArch('SCMP_ARCH_ARM').syscalls.get('mkdirat'), 323);
  assert.equal(seccompArch('SCMP_ARCH_ARM').syscalls.get('set_tls'), 0x0f0005);
  assert.equal(seccompArch('arm64').name, 'SCMP_ARCH_AARCH64');
});

test('allow list with errno default', () => {
  const { program, flags } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['read', 'write', 'not_a_syscall'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['getpid'], action: 'SCMP_ACT_LOG' },
      { names: ['kill'], action: 'SCMP_ACT_TRAP' },
    ],
  }, { arch: 'x86_64' });
  assert.equal(flags, 0);
  assert.equal(run(program, 'read'), ALLOW);
  assert.equal(run(program, 'write'), ALLOW);
  assert.equal(run(program, 'mkdir'), errno(1));
  assert.equal(run(program, 'mkdirat'), errno(1));
  assert.equal(run(program, 'chmod'), errno(13));
  assert.equal(run(program, 'getpid'), 0x7ffc0000);
  assert.equal(run(program, 'kill'), 0x00030000);
  assert.equal(run(program, 'openat'), errno(38));
});

test('architectures: listed ones get sections, others hit the bad-arch action', () => {
  const profile: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
  };
  const { program } = compileSeccomp(profile, { arch: 'x86_64' });
  assert.equal(runFilter(program, { nr: 83, arch: AUDIT_ARCH_X86_64 }), errno(1));
  assert.equal(runFilter(program, { nr: 39, arch: AUDIT_ARCH_I386 }), errno(1)); // i386 mkdir
  assert.equal(runFilter(program, { nr: 83, arch: AUDIT_ARCH_I386 }), ALLOW); // 83 is i386 select... not mkdir
  assert.equal(runFilter(program, { nr: 34, arch: AUDIT_ARCH_AARCH64 }), KILL_PROCESS);
  assert.equal(runFilter(program, { nr: 39, arch: AUDIT_ARCH_ARM }), KILL_PROCESS);
  // x32 calls (X32 bit set) are a bad arch unless SCMP_ARCH_X32 is listed.
  assert.equal(runFilter(program, { nr: 0x40000000 + 83, arch: AUDIT_ARCH_X86_64 }), KILL_PROCESS);
  const withX32 = compileSeccomp({ ...profile, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'] }, { arch: 'x86_64' }).program;
  assert.equal(runFilter(withX32, { nr: 0x40000000 + 83, arch: AUDIT_ARCH_X86_64 }), errno(1));
  assert.equal(runFilter(withX32, { nr: 0x40000000 + 0, arch: AUDIT_ARCH_X86_64 }), ALLOW);
  assert.equal(runFilter(withX32, { nr: 83, arch: AUDIT_ARCH_X86_64 }), errno(1));
  // aarch64 native with arm compat
  const arm = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_ARM'], syscalls: [{ names: ['mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }, { arch: 'arm64' }).program;
  assert.equal(runFilter(arm, { nr: 34, arch: AUDIT_ARCH_AARCH64 }), KILL_PROCESS);
  assert.equal(runFilter(arm, { nr: 323, arch: AUDIT_ARCH_ARM }), KILL_PROCESS);
  assert.equal(runFilter(arm, { nr: 56, arch: AUDIT_ARCH_AARCH64 }), ALLOW);
  assert.equal(runFilter(arm, { nr: 56, arch: AUDIT_ARCH_X86_64 }), KILL_PROCESS);
});

const BIG = 0x1_0000_0005n; // high word 1, low word 5

test('64-bit argument comparisons', () => {
  const ops = {
    SCMP_CMP_EQ: (a: bigint, v: bigint) => a === v,
    SCMP_CMP_NE: (a: bigint, v: bigint) => a !== v,
    SCMP_CMP_LT: (a: bigint, v: bigint) => a < v,
    SCMP_CMP_LE: (a: bigint, v: bigint) => a <= v,
    SCMP_CMP_GT: (a: bigint, v: bigint) => a > v,
    SCMP_CMP_GE: (a: bigint, v: bigint) => a >= v,
  } as const;
  const samples = [0n, 4n, 5n, 6n, 0xffffffffn, 0x1_0000_0000n, 0x1_0000_0004n, BIG, 0x1_0000_0006n, 0x2_0000_0000n, 0xffff_ffff_ffff_ffffn];
  for (const [op, holds] of Object.entries(ops)) {
    for (const value of [5n, BIG]) {
      const { program } = compileSeccomp({
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: Number(value), op: op as keyof typeof ops }] }],
      }, { arch: 'x86_64' });
      for (const a of samples) {
        const expected = holds(a, value) ? ALLOW : errno(1);
        assert.equal(run(program, 'ioctl', [0, a]), expected, `${op} ${a} vs ${value}`);
      }
    }
  }
});

test('masked equality, AND of conditions, and OR when an index repeats', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      // clone without namespace flags (docker's rule)
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      // AND: socket(AF_UNIX=1, type 1)
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
      // OR (runc): personality(0) or personality(8)
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      // first match wins, then an unconditional fallback for the same call
      { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 3 },
    ],
  }, { arch: 'x86_64' });
  assert.equal(run(program, 'clone', [0x11]), ALLOW);
  assert.equal(run(program, 'clone', [0x10000000]), errno(1)); // CLONE_NEWUSER
  assert.equal(run(program, 'clone', [0x1_0000_0011n]), ALLOW); // high word not masked
  assert.equal(run(program, 'socket', [1, 1]), ALLOW);
  assert.equal(run(program, 'socket', [1, 2]), errno(1));
  assert.equal(run(program, 'socket', [2, 1]), errno(1));
  assert.equal(run(program, 'personality', [0]), ALLOW);
  assert.equal(run(program, 'personality', [8]), ALLOW);
  assert.equal(run(program, 'personality', [9]), errno(1));
  assert.equal(run(program, 'kill', [1, 0]), ALLOW);
  assert.equal(run(program, 'kill', [1, 9]), errno(3));
});

test('32-bit arches compare the low word only', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86'],
    syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0x5401, op: 'SCMP_CMP_EQ' }] }],
  }, { arch: 'x86_64' });
  const ioctl32 = seccompArch('SCMP_ARCH_X86').syscalls.get('ioctl') as number;
  assert.equal(runFilter(program, { nr: ioctl32, arch: AUDIT_ARCH_I386, args: [0, 0x5401] }), errno(1));
  assert.equal(runFilter(program, { nr: ioctl32, arch: AUDIT_ARCH_I386, args: [0, 0x5402] }), ALLOW);
});

test('flags, actions and validation', () => {
  const { flags } = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'] }, { arch: 'x86_64' });
  assert.equal(flags, 7);
  const notify = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, { arch: 'x86_64' });
  assert.equal(notify.flags & 8, 8);
  assert.equal(run(notify.program, 'mkdir'), 0x7fc00000);
  const trace = compileSeccomp({ defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['read'], action: 'SCMP_ACT_TRACE', errnoRet: 7 }] }, { arch: 'x86_64' });
  assert.equal(run(trace.program, 'read'), 0x7ff00007);
  assert.equal(run(trace.program, 'write'), 0);
  const bad = (p: LinuxSeccomp, re: RegExp) => assert.throws(() => compileSeccomp(p, { arch: 'x86_64' }), (e: Error) => isInvalidArgument(e) && re.test(e.message));
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, /listenerPath/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_MIPS'] }, /unsupported seccomp architecture "SCMP_ARCH_MIPS"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_BOGUS'] }, /unknown flag/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }, /errnoRet/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /index/);
});

test('a docker-sized profile compiles fast, under the kernel limit, with far jumps chained', () => {
  const names = [...seccompArch('SCMP_ARCH_X86_64').syscalls.keys()].filter((n) => !['mkdir', 'ptrace', 'personality', 'clone'].includes(n));
  const syscalls: NonNullable<LinuxSeccomp['syscalls']> = [{ names, action: 'SCMP_ACT_ALLOW' }];
  for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] });
  syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
  // Many conditional rules on one call make its block longer than 255 instructions.
  for (let i = 0; i < 60; i++) syscalls.push({ names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 100 + i, args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }] });
  const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls };
  const { program } = compileSeccomp(profile, { arch: 'x86_64' });
  const count = program.length / 8;
  assert.ok(count < 4096, `${count} instructions`);
  assert.equal(run(program, 'read'), ALLOW);
  assert.equal(run(program, 'file_setattr'), ALLOW);
  assert.equal(run(program, 'mkdir'), errno(1));
  assert.equal(run(program, 'personality', [0x20008]), ALLOW);
  assert.equal(run(program, 'personality', [1]), errno(1));
  assert.equal(run(program, 'ptrace', [0]), errno(100));
  assert.equal(run(program, 'ptrace', [59]), errno(159));
  assert.equal(run(program, 'ptrace', [60]), errno(1));
  assert.equal(run(program, 'clone', [0x11]), ALLOW);
  assert.equal(runFilter(program, { nr: 0x40000000 + 2, arch: AUDIT_ARCH_X86_64 }), ALLOW); // x32 open
  assert.equal(runFilter(program, { nr: 39, arch: AUDIT_ARCH_I386 }), errno(1)); // i386 mkdir
  assert.equal(runFilter(program, { nr: 5, arch: AUDIT_ARCH_I386 }), ALLOW); // i386 open
  for (let i = 0; i < count; i++) {
    const code = program.readUInt16LE(i * 8);
    if (code === 0x05) assert.ok(i + 1 + program.readUInt32LE(i * 8 + 4) < count);
    else if ((code & 0x07) === 0x05) assert.ok(i + 1 + Math.max(program.readUInt8(i * 8 + 2), program.readUInt8(i * 8 + 3)) < count);
  }
});

test('compileSeccompCached writes once and serves the same program', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-seccomp-'));
  try {
    const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    const first = await compileSeccompCached(profile, dir);
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.match(files[0] as string, /^[0-9a-f]{64}\.bpf$/);
    // Same profile with keys in another order hits the same entry.
    const second = await compileSeccompCached({ syscalls: profile.syscalls, flags: profile.flags, defaultAction: 'SCMP_ACT_ALLOW' }, dir);
    assert.deepEqual(await readdir(dir), files);
    assert.equal(second.flags, 2);
    assert.ok(second.program.equals(first.program));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
