import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildExecPlan, buildLaunchPlan, cgroupResources, CLONE, cpuMask, planCapabilities, withDefaultMounts, encodePlan, MS, PLAN_VERSION, OpFlag, parseMountOptions, planMount } from '../../../src/runtime/plan/index.js';
import type { PlanOp } from '../../../src/runtime/plan/index.js';
import { defaultSpec } from '../../fixtures/bundle.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';

const spec = (tweak?: (s: Spec) => void): Spec => {
  const s = defaultSpec(['sh']);
  tweak?.(s);
  return s;
};
const kinds = (ops: PlanOp[]) => ops.map((o) => o.kind);

describe('parseMountOptions', () => {
  it('splits flags, clears, propagation and data', () => {
    const o = parseMountOptions(['nosuid', 'ro', 'rw', 'noexec', 'rbind', 'rslave', 'mode=755', 'size=1m', 'defaults']);
    assert.equal(o.flags, MS.NOSUID | MS.NOEXEC);
    assert.deepEqual(o.propagation, [MS.SLAVE | MS.REC]);
    assert.deepEqual(o.data, ['mode=755', 'size=1m']);
    assert.equal(o.bind, true);
    assert.equal(o.recursive, true);
  });
});

describe('planMount', () => {
  it('turns a read-only bind into a bind and a remount, with the source resolved against the bundle', () => {
    const ops = planMount({ destination: '/data', type: 'bind', source: 'src', options: ['rbind', 'ro', 'private'] }, '/b', { userns: false });
    assert.deepEqual(ops, [
      { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkauto, src: '/b/src', dst: '/data', mountFlags: MS.BIND | MS.REC },
      { kind: 'remount', flags: OpFlag.InRoot, dst: '/data', mountFlags: MS.BIND | MS.RDONLY },
      { kind: 'mount', flags: OpFlag.InRoot, dst: '/data', mountFlags: MS.PRIVATE },
    ]);
  });
  it('mounts filesystems with their data', () => {
    const [op] = planMount({ destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }, '/b', { userns: false });
    assert.deepEqual(op, { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'tmpfs', dst: '/dev', fstype: 'tmpfs', mountFlags: MS.NOSUID, data: 'mode=755' });
  });
});

describe('buildLaunchPlan', () => {
  it('creates the namespaces, binds the rootfs, mounts, makes devices and pivots', () => {
    const p = buildLaunchPlan(spec(), '/bundle', { fifo: '/run/x/exec.fifo', cgroupProcs: ['/sys/fs/cgroup/pids/gantry/x/cgroup.procs'] });
    assert.equal(p.cloneFlags, CLONE.pid | CLONE.network | CLONE.ipc | CLONE.uts | CLONE.mount);
    assert.deepEqual(p.joins, []);
    assert.equal(p.rootfs, '/bundle/rootfs');
    assert.deepEqual(p.ops.slice(0, 3), [
      { kind: 'mount', dst: '/', mountFlags: MS.SLAVE | MS.REC },
      { kind: 'mount', dst: '/bundle/rootfs', mountFlags: MS.SLAVE, flags: OpFlag.EnclosingMount },
      { kind: 'mount', src: '/bundle/rootfs', dst: '/bundle/rootfs', mountFlags: MS.BIND | MS.REC, flags: OpFlag.ReopenRoot },
    ]);
    const k = kinds(p.ops);
    const pivot = k.indexOf('pivot_root');
    assert.ok(pivot > k.indexOf('mknod'), 'devices before pivot');
    assert.ok(k.indexOf('mask') > pivot && k.indexOf('readonly') > pivot, 'masks after pivot');
    assert.ok(k.indexOf('sethostname') > pivot);
    assert.ok(p.ops.some((o) => o.kind === 'mknod' && o.dst === '/dev/null' && o.major === 1 && o.minor === 3 && o.mode === 0o20666));
    assert.ok(p.ops.some((o) => o.kind === 'symlink' && o.dst === '/dev/ptmx' && o.src === 'pts/ptmx'));
    assert.equal(p.fifo, '/run/x/exec.fifo');
    assert.deepEqual(p.cgroupProcs, ['/sys/fs/cgroup/pids/gantry/x/cgroup.procs']);
    assert.deepEqual(p.args, ['sh']);
    assert.equal(p.capabilities?.bounding, (1n << 29n) | (1n << 5n) | (1n << 10n));
    assert.deepEqual(p.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
    assert.equal(p.noNewPrivileges, true);
  });

  it('joins namespaces by path, user first and mount last', () => {
    const p = buildLaunchPlan(spec((s) => {
      s.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/var/run/netns/x' }, { type: 'user', path: '/proc/9/ns/user' }, { type: 'uts' }];
    }), '/b');
    assert.deepEqual(p.joins, [{ type: CLONE.user, path: '/proc/9/ns/user' }, { type: CLONE.network, path: '/var/run/netns/x' }]);
    assert.equal(p.cloneFlags, CLONE.mount | CLONE.uts);
    assert.ok(p.ops.some((o) => o.kind === 'mount' && o.dst === '/dev/null' && o.src === '/dev/null'), 'devices are bind mounts in a user namespace');
  });

  it('writes id maps, moves the root for --no-pivot, runs runtime hooks before the pivot', () => {
    const p = buildLaunchPlan(spec((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 5000, size: 1 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
      s.hooks = { createRuntime: [{ path: '/bin/true' }] };
      s.root!.readonly = true;
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    }), '/b', { noPivot: true });
    assert.equal(p.uidMap, '0 1000 10\n10 5000 1\n');
    assert.equal(p.gidMap, '0 1000 10\n');
    const k = kinds(p.ops);
    assert.ok(k.indexOf('hooks') < k.indexOf('move_root'));
    assert.ok(!k.includes('pivot_root'));
    assert.ok(p.ops.some((o) => o.kind === 'remount' && o.dst === '/' && o.mountFlags === (MS.BIND | MS.RDONLY)));
    assert.ok(p.ops.some((o) => o.kind === 'sysctl' && o.dst === '/proc/sys/net/ipv4/ip_forward' && o.data === '1'));
  });

  it('refuses what cannot work and warns about what the host cannot honour', () => {
    assert.throws(() => buildLaunchPlan(spec((s) => (s.linux!.namespaces = [{ type: 'mount' }])), '/b'), /unable to set hostname without a private UTS namespace/);
    assert.throws(() => buildLaunchPlan(spec((s) => (s.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }])), '/b'), /process.rlimits\[0\].type/);
    assert.throws(() => buildLaunchPlan(spec((s) => (s.process!.capabilities = { bounding: ['CAP_NOPE'] })), '/b'), /process.capabilities.bounding/);
    assert.throws(() => buildLaunchPlan(spec((s) => (s.process!.terminal = true)), '/b'), /console socket/);
    assert.throws(() => buildLaunchPlan(spec((s) => s.linux!.namespaces!.push({ type: 'user' })), '/b'), /linux.uidMappings/);
    const warnings: string[] = [];
    buildLaunchPlan(spec((s) => {
      s.process!.apparmorProfile = 'docker-default';
      s.linux!.intelRdt = { closID: 'x' };
    }), '/b', { warn: (m) => warnings.push(m), apparmor: true });
    assert.equal(warnings.length, 2);
    assert.ok(warnings.some((w) => w.startsWith('process.apparmorProfile "docker-default" ignored')));
    assert.ok(warnings.some((w) => w.startsWith('linux.intelRdt ignored')));
  });
});

describe('buildExecPlan', () => {
  it('joins every namespace of the init', () => {
    const p = buildExecPlan(spec(), { args: ['ls'], cwd: '/tmp', user: { uid: 5, gid: 6 }, env: ['A=b'] }, 42, { wait: true });
    assert.deepEqual(p.joins.map((j) => j.path), ['/proc/42/ns/pid', '/proc/42/ns/net', '/proc/42/ns/ipc', '/proc/42/ns/uts', '/proc/42/ns/mnt']);
    assert.equal(p.cloneFlags, 0);
    assert.deepEqual(p.ops, []);
    assert.equal(p.cwd, '/tmp');
    assert.equal(p.uid, 5);
    assert.equal(p.wait, true);
  });
});

describe('ioPriority and personality', () => {
  it('encodes ioprio_set values and personality domains, and rejects unknown ones', () => {
    const s = spec();
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
    s.linux!.personality = { domain: 'LINUX32' };
    const p = buildLaunchPlan(s, '/b');
    assert.equal(p.ioPriority, (3 << 13) | 7);
    assert.equal(p.personality, 8);
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_NOPE', priority: 0 };
    assert.throws(() => buildLaunchPlan(s, '/b'), /process.ioPriority.class: unknown class "IOPRIO_CLASS_NOPE"/);
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 9 };
    assert.throws(() => buildLaunchPlan(s, '/b'), /process.ioPriority.priority: 9 is not in \[0, 7\]/);
  });
});

describe('cpuMask', () => {
  it('turns a CPU list into cpu_set_t bytes and refuses bad lists', () => {
    const m = cpuMask('0-2,9', 'x');
    assert.equal(m.length, 128);
    assert.equal(m[0], 0b111);
    assert.equal(m[1], 0b10);
    assert.throws(() => cpuMask('3-1', 'process.execCPUAffinity.final'), /process.execCPUAffinity.final: invalid CPU list "3-1"/);
    assert.throws(() => cpuMask('a', 'x'), /invalid CPU list/);
  });
});

describe('loopback', () => {
  it('brings lo up only in a network namespace the plan creates', () => {
    assert.equal(buildLaunchPlan(spec(), '/b').loopbackUp, true);
    const shared = spec();
    shared.linux!.namespaces = shared.linux!.namespaces!.filter((n) => n.type !== 'network');
    assert.equal(buildLaunchPlan(shared, '/b').loopbackUp, false);
  });
});

describe('encodePlan', () => {
  it('writes the versioned header and tagged records', () => {
    const p = buildExecPlan(spec(), { args: ['ls', '-l'], cwd: '/', user: { uid: 0, gid: 0 } }, 1);
    const buf = encodePlan(p);
    assert.equal(buf.readUInt32LE(0), 0x59544e47);
    assert.equal(buf.readUInt32LE(4), PLAN_VERSION);
    assert.equal(buf.readUInt32LE(8), buf.length - 12);
    const records: { tag: number; payload: Buffer }[] = [];
    for (let off = 12; off < buf.length; ) {
      const tag = buf.readUInt32LE(off);
      const len = buf.readUInt32LE(off + 4);
      records.push({ tag, payload: buf.subarray(off + 8, off + 8 + len) });
      off += 8 + len;
    }
    const args = records.filter((r) => r.tag === 19).map((r) => r.payload.subarray(4).toString());
    assert.deepEqual(args, ['ls', '-l']);
    const mode = records.find((r) => r.tag === 1)!;
    assert.equal(mode.payload.readBigInt64LE(0), 2n);
    const join = records.find((r) => r.tag === 3)!;
    assert.equal(Number(join.payload.readBigInt64LE(0)), CLONE.pid);
    assert.equal(join.payload.subarray(12).toString(), '/proc/1/ns/pid');
  });
});

describe('cgroupResources', () => {
  it('appends the default devices and linux.devices after the config rules', () => {
    const r = cgroupResources(spec((s) => {
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 5 } };
      s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
    }));
    assert.equal(r.pids?.limit, 5);
    assert.deepEqual(r.devices![0], { allow: false, access: 'rwm' });
    assert.ok(r.devices!.some((d) => d.allow && d.type === 'c' && d.major === 1 && d.minor === 3 && d.access === 'rwm'));
    assert.deepEqual(r.devices!.at(-1), { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
  });
});

describe('planCapabilities', () => {
  it('keeps only ambient capabilities that are permitted and inheritable, with a warning', () => {
    const warnings: string[] = [];
    const caps = planCapabilities({ user: { uid: 0, gid: 0 }, cwd: '/', capabilities: { permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN'] } }, (m) => warnings.push(m));
    assert.equal(caps?.ambient, 1n << 5n);
    assert.deepEqual(warnings, ['process.capabilities.ambient: CAP_CHOWN not raised: not in both the permitted and inheritable sets']);
  });
});

describe('withDefaultMounts', () => {
  it('adds /dev/pts and /dev/shm after /dev unless configured', () => {
    const dev = { destination: '/dev', type: 'tmpfs', source: 'tmpfs' };
    const proc = { destination: '/proc', type: 'proc', source: 'proc' };
    assert.deepEqual(withDefaultMounts([proc, dev]).map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm']);
    const full = defaultSpec().mounts!;
    assert.deepEqual(withDefaultMounts(full), full);
  });
});

describe('buildExecPlan inheritance', () => {
  it('gives a process without capabilities or rlimits the container ones', () => {
    const p = buildExecPlan(spec(), { args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 } }, 7);
    assert.equal(p.capabilities?.permitted, (1n << 29n) | (1n << 5n) | (1n << 10n));
    assert.deepEqual(p.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
    const own = buildExecPlan(spec(), { args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: { bounding: ['CAP_KILL'] } }, 7);
    assert.equal(own.capabilities?.bounding, 1n << 5n);
  });
});
