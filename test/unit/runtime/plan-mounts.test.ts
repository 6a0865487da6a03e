// Mount and namespace planning: cgroup mounts, rootfs propagation, configs without
// a mount namespace or joining one.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildExecPlan, buildLaunchPlan, CLONE, MS, OpFlag, planMount } from '../../../src/runtime/plan/index.js';
import type { CgroupMountFacts, PlanOp } from '../../../src/runtime/plan/index.js';
import { parseCgroup2Mount, parseUnifiedCgroup } from '../../../src/runtime/cgroups/mount-facts.js';
import { defaultSpec } from '../../fixtures/bundle.js';
import type { Mount, Spec } from '../../../src/oci/runtime-spec.js';

const RO = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY;
const CGROUP: Mount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };

/** This machine's layout: v1 with a comounted pair, a named hierarchy and the hybrid cgroup2. */
const V1: CgroupMountFacts = {
  version: 1,
  hierarchies: [
    { name: 'cpu,cpuacct', fstype: 'cgroup', data: 'cpu,cpuacct', source: '/sys/fs/cgroup/cpu,cpuacct/gantry/c1' },
    { name: 'memory', fstype: 'cgroup', data: 'memory', source: '/sys/fs/cgroup/memory/gantry/c1' },
    { name: 'systemd', fstype: 'cgroup', data: 'name=systemd', source: '/sys/fs/cgroup/systemd/gantry/c1' },
    { name: 'unified', fstype: 'cgroup2', data: '', source: '/sys/fs/cgroup/unified' },
  ],
};
const V2: CgroupMountFacts = { version: 2, hierarchies: [{ name: '', fstype: 'cgroup2', data: '', source: '/sys/fs/cgroup/gantry/c1' }] };

const spec = (tweak?: (s: Spec) => void): Spec => {
  const s = defaultSpec(['sh']);
  tweak?.(s);
  return s;
};
const at = (ops: PlanOp[], dst: string) => ops.filter((o) => o.dst === dst);

describe('cgroup mounts, v1', () => {
  it('binds the container\'s own cgroup of each hierarchy onto a tmpfs, all read-only, never the host tree', () => {
    const ops = planMount(CGROUP, '/b', { userns: false, cgroupMounts: V1 });
    assert.deepEqual(ops[0], { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'tmpfs', dst: '/sys/fs/cgroup', fstype: 'tmpfs', mountFlags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: 'mode=755' });
    assert.ok(!ops.some((o) => o.src === '/sys/fs/cgroup'), 'the host\'s cgroup tree is never bound');
    assert.deepEqual(at(ops, '/sys/fs/cgroup/memory'), [
      { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: '/sys/fs/cgroup/memory/gantry/c1', dst: '/sys/fs/cgroup/memory', mountFlags: MS.BIND },
      { kind: 'remount', flags: OpFlag.InRoot, dst: '/sys/fs/cgroup/memory', mountFlags: MS.BIND | RO | MS.RELATIME },
    ]);
    for (const h of V1.hierarchies) {
      const [bind, remount] = at(ops, `/sys/fs/cgroup/${h.name}`);
      assert.equal(bind!.src, h.source);
      assert.equal(bind!.mountFlags! & MS.REC, 0, 'not recursive: no submount stays writable');
      assert.equal(remount!.mountFlags! & RO, RO, h.name);
    }
    assert.deepEqual(ops.filter((o) => o.kind === 'symlink'), [
      { kind: 'symlink', flags: OpFlag.InRoot, src: 'cpu,cpuacct', dst: '/sys/fs/cgroup/cpu' },
      { kind: 'symlink', flags: OpFlag.InRoot, src: 'cpu,cpuacct', dst: '/sys/fs/cgroup/cpuacct' },
    ]);
    assert.deepEqual(ops.at(-1), { kind: 'remount', flags: OpFlag.InRoot, dst: '/sys/fs/cgroup', mountFlags: MS.BIND | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY });
  });

  it('is read-only unless the mount asks for rw', () => {
    const rw = planMount({ ...CGROUP, options: ['ro', 'rw'] }, '/b', { userns: false, cgroupMounts: V1 });
    assert.ok(rw.every((o) => !(o.mountFlags! & MS.RDONLY)), 'rw: nothing read-only');
    const plain = planMount({ ...CGROUP, options: [] }, '/b', { userns: false, cgroupMounts: V1 });
    assert.equal(at(plain, '/sys/fs/cgroup/memory')[1]!.mountFlags! & MS.RDONLY, MS.RDONLY);
  });

  it('mounts each hierarchy afresh in a cgroup namespace (rooted at the container\'s cgroup)', () => {
    const ops = planMount(CGROUP, '/b', { userns: false, cgroupMounts: V1, cgroupns: true });
    assert.deepEqual(at(ops, '/sys/fs/cgroup/systemd'), [
      { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'cgroup', dst: '/sys/fs/cgroup/systemd', fstype: 'cgroup', mountFlags: RO | MS.RELATIME, data: 'name=systemd' },
    ]);
    assert.deepEqual(at(ops, '/sys/fs/cgroup/unified'), [
      { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'cgroup2', dst: '/sys/fs/cgroup/unified', fstype: 'cgroup2', mountFlags: RO | MS.RELATIME, data: '' },
    ]);
    assert.ok(!ops.some((o) => o.mountFlags! & MS.BIND && o.kind === 'mount'), 'no binds');
  });

  it('applies the mount\'s propagation to the tmpfs and every hierarchy', () => {
    const ops = planMount({ ...CGROUP, options: ['rprivate', 'ro'] }, '/b', { userns: false, cgroupMounts: V1 });
    const prop = ops.filter((o) => o.kind === 'mount' && o.mountFlags === (MS.PRIVATE | MS.REC)).map((o) => o.dst);
    assert.deepEqual(prop, ['/sys/fs/cgroup', ...V1.hierarchies.map((h) => `/sys/fs/cgroup/${h.name}`)]);
  });

  it('shows an empty read-only tmpfs when the host\'s layout is not known', () => {
    const ops = planMount(CGROUP, '/b', { userns: false });
    assert.deepEqual(ops.map((o) => o.kind), ['mount', 'remount']);
    assert.equal(ops[0]!.fstype, 'tmpfs');
  });

  it('treats a "cgroup2" mount on a hybrid host as the unified hierarchy', () => {
    const ops = planMount({ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: ['ro'] }, '/b', { userns: false, cgroupMounts: V1 });
    assert.deepEqual(ops.map((o) => [o.kind, o.src]), [['mount', '/sys/fs/cgroup/unified'], ['remount', undefined]]);
  });
});

describe('cgroup mounts, v2', () => {
  it('mounts cgroup2 afresh in a cgroup namespace', () => {
    const ops = planMount(CGROUP, '/b', { userns: false, cgroupMounts: V2, cgroupns: true });
    assert.deepEqual(ops, [{ kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'cgroup2', dst: '/sys/fs/cgroup', fstype: 'cgroup2', mountFlags: RO | MS.RELATIME, data: '' }]);
  });
  it('binds the container\'s own cgroup read-only without one', () => {
    const ops = planMount(CGROUP, '/b', { userns: false, cgroupMounts: V2 });
    assert.deepEqual(ops, [
      { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: '/sys/fs/cgroup/gantry/c1', dst: '/sys/fs/cgroup', mountFlags: MS.BIND },
      { kind: 'remount', flags: OpFlag.InRoot, dst: '/sys/fs/cgroup', mountFlags: MS.BIND | RO | MS.RELATIME },
    ]);
  });
});

describe('buildLaunchPlan cgroup namespace', () => {
  it('mounts cgroups afresh with a new or joined cgroup namespace, binds them without', () => {
    const withMount = (ns: NonNullable<Spec['linux']>['namespaces']) =>
      buildLaunchPlan(spec((s) => {
        s.linux!.namespaces = ns;
        s.mounts!.push(CGROUP);
      }), '/b', { cgroupMounts: V1 }).ops.filter((o) => o.dst === '/sys/fs/cgroup/memory')[0]!;
    const base = defaultSpec().linux!.namespaces!;
    assert.equal(withMount([...base, { type: 'cgroup' }]).fstype, 'cgroup');
    assert.equal(withMount([...base, { type: 'cgroup', path: '/proc/1/ns/cgroup' }]).fstype, 'cgroup');
    assert.equal(withMount(base).src, '/sys/fs/cgroup/memory/gantry/c1');
  });
});

describe('rootfs propagation', () => {
  const rootOps = (p?: NonNullable<Spec['linux']>['rootfsPropagation'], noPivot = false) =>
    buildLaunchPlan(spec((s) => (s.linux!.rootfsPropagation = p)), '/b', { noPivot }).ops;
  const after = (ops: PlanOp[]) => ops.slice(ops.findIndex((o) => o.kind === 'pivot_root' || o.kind === 'move_root') + 1).filter((o) => o.dst === '/' && o.kind === 'mount');

  it('sets "/" and the mount holding the rootfs before the bind, like runc', () => {
    const cases: [NonNullable<Spec['linux']>['rootfsPropagation'] | undefined, number, number][] = [
      [undefined, MS.SLAVE | MS.REC, MS.SLAVE],
      ['slave', MS.SLAVE, MS.SLAVE],
      ['rslave', MS.SLAVE | MS.REC, MS.SLAVE],
      ['private', MS.PRIVATE, MS.PRIVATE],
      ['rprivate', MS.PRIVATE | MS.REC, MS.PRIVATE],
      ['shared', MS.SHARED, MS.PRIVATE],
      ['rshared', MS.SHARED | MS.REC, MS.PRIVATE],
      ['unbindable', MS.UNBINDABLE, MS.PRIVATE],
      ['runbindable', MS.UNBINDABLE | MS.REC, MS.PRIVATE],
    ];
    for (const [p, root, enclosing] of cases) {
      const ops = rootOps(p);
      assert.deepEqual(ops.slice(0, 3), [
        { kind: 'mount', dst: '/', mountFlags: root },
        { kind: 'mount', flags: OpFlag.EnclosingMount, dst: '/b/rootfs', mountFlags: enclosing },
        { kind: 'mount', src: '/b/rootfs', dst: '/b/rootfs', mountFlags: MS.BIND | MS.REC, flags: OpFlag.ReopenRoot },
      ], String(p));
    }
  });

  it('applies shared and unbindable to the new "/" after the pivot only', () => {
    assert.deepEqual(after(rootOps('unbindable')), [{ kind: 'mount', flags: OpFlag.InRoot, dst: '/', mountFlags: MS.UNBINDABLE }]);
    assert.deepEqual(after(rootOps('rshared')), [{ kind: 'mount', flags: OpFlag.InRoot, dst: '/', mountFlags: MS.SHARED | MS.REC }]);
    for (const p of ['private', 'rprivate', 'slave', 'rslave', undefined] as const) assert.deepEqual(after(rootOps(p)), [], String(p));
  });

  it('refuses private without pivot_root, as runc does', () => {
    assert.throws(() => rootOps('rprivate', true), /rootfsPropagation of \[r\]private is not safe without pivot_root/);
    assert.throws(() => rootOps('private', true), /not safe without pivot_root/);
    assert.ok(rootOps('rslave', true).some((o) => o.kind === 'move_root'));
  });
});

describe('mount namespaces', () => {
  it('joins a mount namespace by path and sets the rootfs up in it, as runc and crun do', () => {
    const p = buildLaunchPlan(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'mount' ? { type: 'mount', path: '/proc/9/ns/mnt' } : n)))), '/b');
    assert.equal(p.cloneFlags & CLONE.mount, 0);
    assert.equal(buildLaunchPlan(spec(), '/b', { fifo: '/run/x/exec.fifo' }).fifoViaDir, undefined, 'no directory fd with a mount namespace');
    assert.deepEqual(p.joins.at(-1), { type: CLONE.mount, path: '/proc/9/ns/mnt' });
    assert.ok(p.ops.some((o) => o.kind === 'pivot_root'));
  });

  it('without one, only chroots: nothing is mounted in the host\'s mount table', () => {
    const warnings: string[] = [];
    const p = buildLaunchPlan(spec((s) => {
      s.linux!.namespaces = [];
      delete s.hostname;
      delete s.linux!.maskedPaths;
      delete s.linux!.readonlyPaths;
      s.process!.cwd = '/work';
    }), '/b', { warn: (m) => warnings.push(m), fifo: '/run/x/exec.fifo' });
    assert.equal(p.cloneFlags, 0);
    assert.equal(p.fifoViaDir, true, 'the chroot has no /proc to reopen the fifo through');
    assert.deepEqual(p.joins, []);
    assert.equal(p.rootfs, '/b/rootfs');
    assert.deepEqual(p.ops, [{ kind: 'chroot' }, { kind: 'mkdir', flags: OpFlag.InRoot, dst: '/work', mode: 0o755 }]);
    assert.deepEqual(warnings.filter((w) => w.startsWith('mounts')), ['mounts and device nodes not set up: without a mount namespace they would be made in the host\'s mount table']);
  });

  it('without one, refuses what needs mounts (runc\'s text for masked and readonly paths)', () => {
    const none = (tweak: (s: Spec) => void) => () => buildLaunchPlan(spec((s) => {
      s.linux!.namespaces = [{ type: 'uts' }];
      s.linux!.maskedPaths = [];
      s.linux!.readonlyPaths = [];
      tweak(s);
    }), '/b');
    assert.doesNotThrow(none(() => {}));
    assert.throws(none((s) => (s.linux!.maskedPaths = ['/proc/kcore'])), /unable to restrict sys entries without a private MNT namespace/);
    assert.throws(none((s) => (s.linux!.readonlyPaths = ['/proc/sys'])), /unable to restrict sys entries without a private MNT namespace/);
    assert.throws(none((s) => (s.root!.readonly = true)), /root.readonly: needs a mount namespace/);
    assert.throws(none((s) => (s.linux!.rootfsPropagation = 'shared')), /rootfsPropagation: needs a mount namespace/);
  });

  it('runs hooks before the chroot, and exec chroots into the init\'s root', () => {
    const s = spec((x) => {
      x.linux!.namespaces = [];
      delete x.hostname;
      x.linux!.maskedPaths = [];
      x.linux!.readonlyPaths = [];
      x.hooks = { prestart: [{ path: '/bin/true' }] };
    });
    assert.deepEqual(buildLaunchPlan(s, '/b').ops.map((o) => o.kind), ['hooks', 'chroot', 'mkdir']);
    const e = buildExecPlan(s, { args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 } }, 42);
    assert.equal(e.rootfs, '/proc/42/root');
    assert.deepEqual(e.ops, [{ kind: 'chroot' }]);
    assert.deepEqual(buildExecPlan(spec(), { args: ['ls'], cwd: '/', user: { uid: 0, gid: 0 } }, 42).ops, []);
  });
});

describe('cgroup mount facts', () => {
  it('reads the cgroup2 mount and the process\'s v2 cgroup', () => {
    const mi = '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n41 31 0:38 /x /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n';
    assert.deepEqual(parseCgroup2Mount(mi), { root: '/x', mountPoint: '/sys/fs/cgroup/unified' });
    assert.equal(parseCgroup2Mount('31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n'), undefined);
    assert.equal(parseUnifiedCgroup('1:cpu:/a\n0::/user.slice\n'), '/user.slice');
    assert.equal(parseUnifiedCgroup('1:cpu:/a\n'), undefined);
  });
});
