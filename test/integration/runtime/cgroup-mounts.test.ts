// The /sys/fs/cgroup a container sees (issue 9): its own cgroups, read-only in every
// submount, through the runtime library, the gantry-runtime CLI and `gantry run`.
// (podman.test.ts checks the same under podman --runtime.)
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroupVersion } from '../../../src/runtime/cgroups/index.js';
import type { Mount, Spec } from '../../../src/oci/runtime-spec.js';
import { makeEnv, runCapture, skip as rootSkip } from './harness.js';
import type { Env } from './harness.js';
import { cleanupRoot, makeCliBundle, runtimeCli } from './cli-harness.js';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';

const skip = rootSkip || (detectCgroupVersion() !== 1 ? 'needs cgroup v1 (this host is unified v2)' : !existsSync('/sys/fs/cgroup/freezer') ? 'needs the v1 freezer and devices controllers' : false);

const CGROUP: Mount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };
const LIMIT = 48 * 1024 * 1024;

/** What a container tries against its cgroups; one line per attempt, then its mountinfo. */
const PROBE = [
  'echo $$ > /sys/fs/cgroup/memory/cgroup.procs || echo escape-refused',
  'echo "a *:* rwm" > /sys/fs/cgroup/devices/devices.allow || echo devices-refused',
  'echo FROZEN > /sys/fs/cgroup/freezer/freezer.state || echo freeze-refused',
  'mkdir /sys/fs/cgroup/pids/sub || echo mkdir-refused',
  'mkdir /sys/fs/cgroup/extra || echo tmpfs-refused',
  'echo limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)',
  'ls /sys/fs/cgroup/freezer | grep -qx gantry && echo sees-host-tree',
  'grep " /sys/fs/cgroup" /proc/self/mountinfo',
].join('; ');

interface MountLine {
  root: string;
  mountPoint: string;
  options: string;
  fstype: string;
}

function cgroupMounts(out: string): MountLine[] {
  return out.split('\n').filter((l) => /^\d+ \d+ \d+:\d+ \S+ \/sys\/fs\/cgroup/.test(l)).map((l) => {
    const [pre, post] = l.split(' - ');
    const f = pre!.split(' ');
    return { root: f[3]!, mountPoint: f[4]!, options: f[5]!, fstype: post!.split(' ')[0]! };
  });
}

/** The checks every read-only cgroup mount passes, whoever set it up. */
function assertConfined(out: string, opts: { ownRoot?: string; limit?: number }): MountLine[] {
  for (const refused of ['escape-refused', 'devices-refused', 'freeze-refused', 'mkdir-refused', 'tmpfs-refused']) assert.ok(out.includes(refused), `${refused}:\n${out}`);
  assert.equal((out.match(/Read-only file system/g) ?? []).length, 5, out);
  if (opts.limit !== undefined) assert.match(out, new RegExp(`limit=${opts.limit}\\n`), 'the container still reads its own limit');
  assert.ok(!out.includes('sees-host-tree'), 'the host\'s cgroup tree is not visible');
  const mounts = cgroupMounts(out);
  const names = mounts.map((m) => m.mountPoint);
  for (const want of ['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/devices', '/sys/fs/cgroup/freezer', '/sys/fs/cgroup/systemd']) assert.ok(names.includes(want), `${want} mounted:\n${out}`);
  for (const m of mounts) {
    assert.match(m.options, /^ro,/, `${m.mountPoint} read-only`);
    for (const flag of ['nosuid', 'nodev', 'noexec']) assert.ok(m.options.split(',').includes(flag), `${m.mountPoint} ${flag}`);
    if (opts.ownRoot && m.fstype === 'cgroup') assert.equal(m.root, opts.ownRoot, `${m.mountPoint} shows the container's cgroup, not the hierarchy root`);
  }
  return mounts;
}

describe('cgroup mounts (v1)', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  const run = (tweak: (s: Spec) => void) =>
    runCapture(env, ['sh', '-c', PROBE], (s) => {
      s.mounts!.push(CGROUP);
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: LIMIT } };
      tweak(s);
    });

  it('binds the container\'s own cgroups read-only without a cgroup namespace', async () => {
    const r = await run(() => {});
    assert.equal(r.code, 0, r.out);
    const mounts = assertConfined(r.out, { ownRoot: `/gantry/${r.id}`, limit: LIMIT });
    assert.ok(mounts.some((m) => m.mountPoint === '/sys/fs/cgroup/unified' && m.fstype === 'cgroup2'), 'the hybrid cgroup2 hierarchy too');
  });

  it('mounts each hierarchy afresh, read-only, in a cgroup namespace', async () => {
    const r = await run((s) => s.linux!.namespaces!.push({ type: 'cgroup' }));
    assert.equal(r.code, 0, r.out);
    // the namespace's root is the container's cgroup: it reads its own limit at the top
    assertConfined(r.out, { ownRoot: '/', limit: LIMIT });
  });

  it('leaves the container\'s own cgroups writable when the mount asks for rw', async () => {
    const r = await runCapture(env, ['sh', '-c', 'mkdir /sys/fs/cgroup/pids/sub && rmdir /sys/fs/cgroup/pids/sub && echo own-writable; grep " /sys/fs/cgroup/pids " /proc/self/mountinfo'], (s) => {
      s.mounts!.push({ ...CGROUP, options: ['nosuid', 'noexec', 'nodev', 'rw'] });
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /own-writable/);
    assert.match(r.out, new RegExp(` /gantry/${r.id} /sys/fs/cgroup/pids rw,`));
  });
});

describe('cgroup mounts through gantry-runtime run', { skip }, () => {
  let root: string;
  before(() => (root = mkdtempSync(join(tmpdir(), 'gantry-cgmount-'))));
  after(() => cleanupRoot(root));

  for (const cgroupns of [true, false]) {
    it(`confines a \`gantry-runtime spec\` bundle ${cgroupns ? 'with' : 'without'} a cgroup namespace`, () => {
      const bundle = makeCliBundle(['sh', '-c', PROBE], (s) => {
        s.root!.readonly = false;
        s.linux!.resources = { ...s.linux!.resources, memory: { limit: LIMIT } };
        if (!cgroupns) s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      });
      try {
        const r = runtimeCli(root, ['run', '--bundle', bundle, `cg-${cgroupns}-${process.pid}`]);
        assert.equal(r.status, 0, r.stderr);
        assertConfined(r.stdout + r.stderr, { ownRoot: cgroupns ? '/' : `/gantry/cg-${cgroupns}-${process.pid}`, limit: LIMIT });
      } finally {
        rmSync(bundle, { recursive: true, force: true });
      }
    });
  }
});

describe('cgroup mounts through gantry run', { skip }, () => {
  let g: Gantry;
  before(async () => (g = await Gantry.create()));
  after(async () => {
    await g.cleanup();
    await removeRootfsCache();
  });

  it('gives a default container read-only cgroups and its own limits', async () => {
    const r = await g.run(['run', '--rm', '--network', 'none', '--memory', String(LIMIT), 'busybox', 'sh', '-c', PROBE]);
    assert.equal(r.code, 0, r.stderr);
    assertConfined(r.stdout + r.stderr, { limit: LIMIT });
    for (const m of cgroupMounts(r.stdout).filter((x) => x.fstype === 'cgroup')) assert.match(m.root, /^\/gantry\/[0-9a-f]{64}$/, m.mountPoint);
  });
});
