import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../../src/runtime/cli/args.js';
import { processFromFlags, validateProcess } from '../../../../src/runtime/cli/exec-process.js';
import { features } from '../../../../src/runtime/cli/features.js';
import { RESOURCE_FLAGS, parseMemorySize, parseResourcesJson, resourcesFromFlags } from '../../../../src/runtime/cli/update-resources.js';
import { verb as execVerb } from '../../../../src/runtime/cli/exec.js';
import { defaultSpec, rootlessSpec } from '../../../../src/runtime/default-spec.js';
import type { Process } from '../../../../src/oci/runtime-spec.js';

test('default spec matches runc spec', () => {
  const s = defaultSpec();
  assert.deepEqual(s.process?.args, ['sh']);
  assert.equal(s.process?.terminal, true);
  assert.deepEqual(s.process?.capabilities?.bounding, ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
  assert.deepEqual(s.process?.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  assert.equal(s.process?.noNewPrivileges, true);
  assert.deepEqual(s.root, { path: 'rootfs', readonly: true });
  assert.deepEqual(s.mounts?.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
  assert.deepEqual(s.linux?.namespaces?.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  assert.ok(s.linux?.maskedPaths?.includes('/proc/kcore'));
  assert.ok(s.linux?.readonlyPaths?.includes('/proc/sys'));
});

test('rootless spec: user namespace mapping the caller, no network namespace, /sys bound, no resources', () => {
  const s = rootlessSpec(1000, 1001);
  assert.deepEqual(s.linux?.namespaces?.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
  assert.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.deepEqual(s.linux?.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  assert.equal(s.linux?.resources, undefined);
  assert.deepEqual(s.mounts?.find((m) => m.destination === '/sys')?.options, ['rbind', 'nosuid', 'noexec', 'nodev', 'ro']);
  assert.ok(!s.mounts?.find((m) => m.destination === '/dev/pts')?.options?.includes('gid=5'));
  assert.ok(defaultSpec().mounts?.find((m) => m.destination === '/dev/pts')?.options?.includes('gid=5'), 'default spec untouched');
});

test('features: required fields and schema-shaped values', () => {
  const f = features('abc');
  assert.match(f.ociVersionMin, /^\d+\.\d+\.\d+/);
  assert.match(f.ociVersionMax, /^\d+\.\d+\.\d+/);
  assert.ok(f.linux.capabilities.every((c) => /^CAP_[A-Z_]+$/.test(c)));
  assert.ok(f.linux.namespaces.includes('pid'));
  assert.equal(f.annotations['org.opencontainers.gantry.commit'], 'abc');
});

const BASE: Process = {
  terminal: true,
  user: { uid: 0, gid: 0 },
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '/',
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  noNewPrivileges: true,
};

test('exec flags apply onto the container process like runc', () => {
  const p = parseArgs(execVerb.flags, ['-e', 'A=1', '--cwd', '/tmp', '-u', '1000:1000', '-g', '10', '--cap', 'CAP_CHOWN', '--no-new-privs=false', 'id', 'ls', '-l'], {
    stopAtFirstArg: true,
  });
  const proc = processFromFlags(BASE, p, p.args.slice(1));
  assert.deepEqual(proc.args, ['ls', '-l']);
  assert.deepEqual(proc.env, ['PATH=/bin', 'A=1']);
  assert.equal(proc.cwd, '/tmp');
  assert.deepEqual(proc.user, { uid: 1000, gid: 1000, additionalGids: [10] });
  assert.deepEqual(proc.capabilities?.bounding, ['CAP_KILL', 'CAP_CHOWN']);
  assert.equal(proc.capabilities?.ambient, undefined);
  assert.equal(proc.terminal, false, 'no --tty means no terminal');
  assert.equal(proc.noNewPrivileges, false);
  assert.deepEqual(BASE.env, ['PATH=/bin'], 'base untouched');
  const tty = parseArgs(execVerb.flags, ['-t', 'id', 'sh'], { stopAtFirstArg: true });
  assert.equal(processFromFlags(BASE, tty, ['sh']).terminal, true);
  assert.throws(() => processFromFlags(BASE, parseArgs(execVerb.flags, ['-u', 'bob']), ['sh']), /parsing bob as int for uid failed/);
  assert.throws(() => processFromFlags(BASE, parseArgs(execVerb.flags, ['--apparmor', 'x']), ['sh']), /apparmor is not supported/);
  assert.throws(() => validateProcess({ ...BASE, args: [] }), /args must not be empty/);
  assert.throws(() => validateProcess({ ...BASE, cwd: 'rel' }), /absolute/);
});

test('update: flags to LinuxResources, sizes with suffixes, JSON documents', () => {
  const p = parseArgs(RESOURCE_FLAGS, ['--memory', '512m', '--memory-swap=-1', '--cpu-shares', '512', '--cpu-quota', '50000', '--cpuset-cpus', '0', '--pids-limit', '20', '--blkio-weight', '300']);
  assert.deepEqual(resourcesFromFlags(p), {
    blockIO: { weight: 300 },
    cpu: { shares: 512, quota: 50000, cpus: '0' },
    memory: { limit: 512 * 1024 * 1024, swap: -1 },
    pids: { limit: 20 },
  });
  assert.deepEqual(resourcesFromFlags(parseArgs(RESOURCE_FLAGS, [])), {});
  assert.equal(parseMemorySize('memory', '1g'), 1024 ** 3);
  assert.equal(parseMemorySize('memory', '1.5GiB'), 1.5 * 1024 ** 3);
  assert.throws(() => parseMemorySize('memory', 'lots'), /invalid value for memory/);
  assert.throws(() => resourcesFromFlags(parseArgs(RESOURCE_FLAGS, ['--cpu-period', '-5'])), /cpu-period/);
  assert.deepEqual(parseResourcesJson('{"pids":{"limit":5}}', 'stdin'), { pids: { limit: 5 } });
  assert.throws(() => parseResourcesJson('[1]', 'stdin'), /expected a JSON object/);
});
