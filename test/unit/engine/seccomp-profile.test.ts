import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSeccompProfile } from '../../../src/engine/spec/seccomp-profile.js';

const host = { capabilities: ['CAP_CHOWN'], kernel: '6.1.0-18-amd64', arch: 'x64' };

test('archMap: the native architecture and its sub-architectures; includes and excludes (caps, GOARCH names, minKernel) decide which rules apply', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'always' },
      { name: 'chown', action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_CHOWN'] } },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['sync_file_range2'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['modify_ldt'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['future'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.0' } },
      { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_CHOWN'] } },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  const out = dockerSeccompProfile(JSON.stringify(profile), host);
  assert.deepEqual(out, {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['chown'], action: 'SCMP_ACT_ALLOW' },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ],
  });
});

test('invalid profiles name what is wrong', () => {
  const bad = (p: unknown, re: RegExp) => assert.throws(() => dockerSeccompProfile(typeof p === 'string' ? p : JSON.stringify(p), host), re);
  bad('{nope', /invalid seccomp profile: not JSON/);
  bad([], /the profile must be an object/);
  bad({ syscalls: [] }, /defaultAction "" is not one of/);
  bad({ defaultAction: 'SCMP_ACT_NOPE' }, /defaultAction "SCMP_ACT_NOPE"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]\.names must be a list of strings/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ERRNO' }] }, /use either 'name' or 'names'/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'EQ' }] }] }, /args\[0\]\.op "EQ"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] }, /both 'architectures' and 'archMap'/);
});
