import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, effectiveCapabilities, validateSpecOptions, DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, type SpecInputs } from '../../../src/engine/spec/build-spec.js';
import { defaultConfig, defaultHostConfig, type HostConfig } from '../../../src/engine/docker-types.js';
import { resolveUser } from '../../../src/engine/spec/user.js';
import { ALL_CAPABILITIES } from '../../../src/runtime/capabilities.js';

function inputs(over: Partial<SpecInputs> = {}): SpecInputs {
  return {
    id: 'a'.repeat(64),
    config: { ...defaultConfig('busybox'), Cmd: ['sh'] },
    hostConfig: defaultHostConfig(),
    rootfs: '/run/x/rootfs',
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostnamePath: '/c/hostname',
    hostsPath: '/c/hosts',
    resolvConfPath: '/c/resolv.conf',
    mounts: [],
    devices: [],
    ...over,
  };
}

test('docker defaults: caps, masked and read-only paths, shm, env, hostname, cgroup path', () => {
  const spec = buildSpec(inputs(), ALL_CAPABILITIES);
  assert.deepEqual(spec.process!.capabilities!.bounding, DEFAULT_CAPABILITIES);
  assert.deepEqual(spec.linux!.maskedPaths, MASKED_PATHS);
  assert.deepEqual(spec.linux!.readonlyPaths, READONLY_PATHS);
  assert.equal(spec.hostname, 'aaaaaaaaaaaa');
  assert.equal(spec.linux!.cgroupsPath, `/gantry/${'a'.repeat(64)}`);
  assert.ok(spec.mounts!.some((m) => m.destination === '/dev/shm' && m.options!.includes('size=67108864')));
  for (const d of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) assert.ok(spec.mounts!.some((m) => m.destination === d && m.type === 'bind'));
  assert.ok(spec.process!.env!.includes('HOSTNAME=aaaaaaaaaaaa'));
  assert.ok(spec.process!.env!.some((e) => e.startsWith('PATH=')));
  assert.equal(spec.linux!.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok(spec.linux!.namespaces!.some((n) => n.type === 'network' && !n.path));
});

test('privileged: all caps, no seccomp, no masked paths, all devices allowed', () => {
  const spec = buildSpec(inputs({ hostConfig: { ...defaultHostConfig(), Privileged: true } }), ALL_CAPABILITIES);
  assert.equal(spec.process!.capabilities!.bounding!.length, ALL_CAPABILITIES.length);
  assert.equal(spec.linux!.seccomp, undefined);
  assert.equal(spec.linux!.maskedPaths, undefined);
  assert.deepEqual(spec.linux!.resources!.devices, [{ allow: true, access: 'rwm' }]);
});

test('cap-add/drop, tty TERM, init, host network, resources, ulimits', () => {
  const hc = { ...defaultHostConfig(), CapAdd: ['sys_admin'], CapDrop: ['NET_RAW'], Init: true, NetworkMode: 'host', Memory: 64 << 20, NanoCpus: 1.5e9, PidsLimit: 10, Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 20 }] };
  const spec = buildSpec(inputs({ hostConfig: hc, config: { ...defaultConfig('b'), Cmd: ['top'], Tty: true }, network: 'host', initPath: '/x/init' }), ALL_CAPABILITIES);
  const caps = spec.process!.capabilities!.effective!;
  assert.ok(caps.includes('CAP_SYS_ADMIN') && !caps.includes('CAP_NET_RAW'));
  assert.ok(spec.process!.env!.includes('TERM=xterm'));
  assert.deepEqual(spec.process!.args, ['/dev/init', '--', 'top']);
  assert.ok(!spec.linux!.namespaces!.some((n) => n.type === 'network' || n.type === 'uts'));
  assert.equal(spec.linux!.resources!.memory!.limit, 64 << 20);
  assert.equal(spec.linux!.resources!.cpu!.quota, 150000);
  assert.equal(spec.linux!.resources!.pids!.limit, 10);
  assert.deepEqual(spec.process!.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }]);
  assert.throws(() => effectiveCapabilities({ ...defaultHostConfig(), CapAdd: ['BOGUS'] }, ALL_CAPABILITIES), /invalid capability/);
});

test('user resolution from passwd and group', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n';
  const group = 'root:x:0:\nusers:x:100:alice\nalice:x:1000:\nnogroup:x:65534:\n';
  assert.deepEqual(resolveUser('alice', passwd, group), { uid: 1000, gid: 1000, additionalGids: [100], home: '/home/alice' });
  assert.equal(resolveUser('alice:users', passwd, group).gid, 100);
  assert.deepEqual(resolveUser('4242:7', passwd, group), { uid: 4242, gid: 7, additionalGids: [], home: '/' });
  assert.throws(() => resolveUser('bob', passwd, group), /unable to find user bob/);
});

test('--group-add: group names from the group file, gids as they are, after the user\'s own groups, no duplicates', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n';
  const group = 'root:x:0:\nusers:x:100:alice\nwheel:x:10:\nalice:x:1000:\n';
  assert.deepEqual(resolveUser('alice', passwd, group, ['wheel', '4000', '100']).additionalGids, [100, 10, 4000]);
  assert.deepEqual(resolveUser('1000:1000', passwd, group, ['users']).additionalGids, [100]);
  assert.throws(() => resolveUser('', passwd, group, ['nosuch']), /unable to find group nosuch: no matching entries in group file/);
});

test('cgroup parent, oom_score_adj, and the seccomp choice of SecurityOpt', () => {
  const id = 'a'.repeat(64);
  const hc = (over: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...over });
  assert.equal(buildSpec(inputs({ hostConfig: hc({ CgroupParent: '/kubepods/pod1/' }) }), ALL_CAPABILITIES).linux!.cgroupsPath, `/kubepods/pod1/${id}`);
  assert.equal(buildSpec(inputs(), ALL_CAPABILITIES).process!.oomScoreAdj, undefined, '0 leaves the inherited value');
  assert.equal(buildSpec(inputs({ hostConfig: hc({ OomScoreAdj: 500 }) }), ALL_CAPABILITIES).process!.oomScoreAdj, 500);
  assert.throws(() => validateSpecOptions(hc({ OomScoreAdj: 1001 })), /range for oom score adj is \[-1000, 1000\]/);
  assert.throws(() => validateSpecOptions(hc({ CgroupParent: '/a/../b' })), /must not contain/);
  assert.equal(buildSpec(inputs({ hostConfig: hc({ SecurityOpt: ['seccomp=unconfined'] }) }), ALL_CAPABILITIES).linux!.seccomp, undefined);
  assert.equal(buildSpec(inputs({ hostConfig: hc({ SecurityOpt: ['seccomp=builtin'] }) }), ALL_CAPABILITIES).linux!.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
  const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  assert.deepEqual(buildSpec(inputs({ hostConfig: hc({ SecurityOpt: [`seccomp=${profile}`] }) }), ALL_CAPABILITIES).linux!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  assert.equal(buildSpec(inputs({ hostConfig: hc({ Privileged: true, SecurityOpt: [`seccomp=${profile}`] }) }), ALL_CAPABILITIES).linux!.seccomp, undefined, 'privileged: no seccomp, as docker');
  assert.throws(() => validateSpecOptions(hc({ SecurityOpt: ['seccomp=/etc/profile.json'] })), /a profile's JSON content/);
});

test('cgroups: a read-only cgroup mount (rw when privileged), a private cgroup namespace only when asked (docker on v2)', () => {
  const cgroupMount = (spec: ReturnType<typeof buildSpec>) => spec.mounts!.find((m) => m.destination === '/sys/fs/cgroup')!;
  const plain = buildSpec(inputs(), ALL_CAPABILITIES);
  assert.equal(cgroupMount(plain).type, 'cgroup');
  assert.ok(cgroupMount(plain).options!.includes('ro'));
  assert.ok(!plain.linux!.namespaces!.some((n) => n.type === 'cgroup'), 'v1: the host\'s cgroup namespace, as docker');
  assert.ok(cgroupMount(buildSpec(inputs({ hostConfig: { ...defaultHostConfig(), Privileged: true } }), ALL_CAPABILITIES)).options!.includes('rw'));
  assert.ok(buildSpec(inputs({ cgroupns: true }), ALL_CAPABILITIES).linux!.namespaces!.some((n) => n.type === 'cgroup' && !n.path));
});
