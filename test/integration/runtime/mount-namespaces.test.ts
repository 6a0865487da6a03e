// Mount namespaces and rootfs propagation (issue 9): a config without namespaces,
// a mount namespace joined by path, and every rootfsPropagation value runc accepts.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Spec } from '../../../src/oci/runtime-spec.js';
import { bundle, makeEnv, newId, runCapture, skip } from './harness.js';
import type { Env } from './harness.js';

type Propagation = NonNullable<NonNullable<Spec['linux']>['rootfsPropagation']>;
const NAMESPACES = ['mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup', 'user'];
const mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
/** The optional fields (shared:N, master:N, unbindable) of the mount at mountPoint. */
const fieldsOf = (lines: string[], mountPoint: string) => lines.find((l) => l.split(' ')[4] === mountPoint)?.split(' - ')[0]!.split(' ').slice(6) ?? [];
const noNamespaces = (s: Spec) => {
  s.linux!.namespaces = [];
  delete s.hostname;
  delete s.linux!.maskedPaths;
  delete s.linux!.readonlyPaths;
};

/** A tmpfs made shared on the host, as systemd makes its mounts; unmounted by the returned function. */
function sharedTmpfs(): { dir: string; group: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-shared-'));
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  execFileSync('mount', ['--make-shared', dir]);
  const group = fieldsOf(mountinfo(), dir).find((f) => f.startsWith('shared:'))!.slice('shared:'.length);
  return { dir, group, remove: () => {
    execFileSync('umount', ['-R', '-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  } };
}

describe('runtime without a mount namespace', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('runs in the runtime\'s namespaces, chrooted into the rootfs, and mounts nothing on the host', async () => {
    const hostRoot = fieldsOf(mountinfo(), '/');
    const b = bundle(env, ['sleep', '1000'], noNamespaces);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    const { pid } = await env.rt.state(id);
    for (const ns of NAMESPACES) assert.equal(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `inherits the ${ns} namespace`);
    assert.equal(readlinkSync(`/proc/${pid}/root`), b.rootfs);
    await env.rt.start(id);
    const outFile = join(b.dir, 'exec-out');
    const fd = openSync(outFile, 'w');
    try {
      const r = await env.rt.exec(id, { process: { args: ['sh', '-c', 'ls /linuxrc && echo in-rootfs'], cwd: '/', user: { uid: 0, gid: 0 } }, stdio: [0, fd, fd] });
      assert.equal(r.exitCode, 0, readFileSync(outFile, 'utf8'));
    } finally {
      closeSync(fd);
    }
    assert.match(readFileSync(outFile, 'utf8'), /in-rootfs/, 'exec joins the chroot');
    assert.deepEqual(mountinfo().filter((l) => l.includes(b.dir)), [], 'no mount of the config reached the host');
    assert.deepEqual(fieldsOf(mountinfo(), '/'), hostRoot, 'the host\'s "/" keeps its propagation');
    assert.ok(env.warnings.some((w) => w.startsWith('mounts and device nodes not set up')), env.warnings.join('\n'));
    await env.rt.delete(id, { force: true });
  });

  it('refuses masked and readonly paths with runc\'s error', async () => {
    await assert.rejects(runCapture(env, ['true'], (s) => {
      noNamespaces(s);
      s.linux!.maskedPaths = ['/proc/kcore'];
    }), /unable to restrict sys entries without a private MNT namespace/);
  });
});

describe('runtime joining a mount namespace by path', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('sets the rootfs up inside the joined namespace, as runc does', async () => {
    // --kill-child: the sleeper dies with unshare
    const holder = spawn('unshare', ['--mount', '--propagation', 'private', '--fork', '--kill-child', 'sh', '-c', 'echo $$; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((res) => holder.stdout.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
      holder.stdout.destroy();
      const ns = readlinkSync(`/proc/${pid}/ns/mnt`);
      assert.notEqual(ns, readlinkSync('/proc/self/ns/mnt'));
      const r = await runCapture(env, ['sh', '-c', 'readlink /proc/self/ns/mnt; ls /linuxrc'], (s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'mount' ? { type: 'mount', path: `/proc/${pid}/ns/mnt` } : n));
      });
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, `${ns}\n/linuxrc\n`);
      assert.deepEqual(mountinfo().filter((l) => l.includes('gantry-bundle-')), [], 'the rootfs mounts stay in the joined namespace');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('rootfs propagation', { skip }, () => {
  let env: Env;
  let shared: ReturnType<typeof sharedTmpfs>;
  let rootfs: string;
  before(() => {
    env = makeEnv();
    shared = sharedTmpfs();
    rootfs = join(shared.dir, 'rootfs');
    execFileSync('cp', ['-a', bundle(env, ['true']).rootfs, rootfs]);
  });
  after(async () => {
    await env.cleanup();
    shared.remove();
  });

  /** The optional fields of "/" inside a container whose rootfs lies on the host's shared tmpfs. */
  const rootFields = async (p: Propagation | undefined) => {
    const r = await runCapture(env, ['sh', '-c', 'cat /proc/self/mountinfo'], (s) => {
      s.root!.path = rootfs;
      if (p) s.linux!.rootfsPropagation = p;
    });
    assert.equal(r.code, 0, r.out);
    return fieldsOf(r.out.split('\n'), '/');
  };

  for (const p of [undefined, 'slave', 'rslave'] as const) {
    it(`${p ?? 'the default (rslave)'}: "/" is a slave of the host's mount`, async () => {
      assert.deepEqual(await rootFields(p), [`master:${shared.group}`]);
    });
  }
  for (const p of ['private', 'rprivate'] as const) {
    it(`${p}: "/" receives nothing`, async () => {
      assert.deepEqual(await rootFields(p), []);
    });
  }
  for (const p of ['shared', 'rshared'] as const) {
    it(`${p}: "/" is shared in a peer group of its own, never the host's`, async () => {
      const fields = await rootFields(p);
      assert.equal(fields.length, 1, fields.join(' '));
      assert.match(fields[0]!, /^shared:\d+$/);
      assert.notEqual(fields[0], `shared:${shared.group}`);
    });
  }
  for (const p of ['unbindable', 'runbindable'] as const) {
    it(`${p}: "/" is unbindable (and the readonly paths are still bound)`, async () => {
      assert.deepEqual(await rootFields(p), ['unbindable']);
    });
  }

  it('rshared with an rshared bind: a mount made in the container reaches the host (bidirectional)', async () => {
    const volumes = sharedTmpfs();
    try {
      mkdirSync(join(volumes.dir, 'vol'));
      const run = (p: Propagation | undefined, bindPropagation: string, name: string) =>
        runCapture(env, ['sh', '-c', `mkdir /vol/${name} && mount -t tmpfs tmpfs /vol/${name}`], (s) => {
          const caps = [...s.process!.capabilities!.bounding!, 'CAP_SYS_ADMIN'];
          s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
          s.mounts!.push({ destination: '/vol', type: 'bind', source: join(volumes.dir, 'vol'), options: ['rbind', bindPropagation] });
          if (p) s.linux!.rootfsPropagation = p;
        });
      const both = await run('rshared', 'rshared', 'both');
      assert.equal(both.code, 0, both.out);
      const slave = await run(undefined, 'rslave', 'one-way');
      assert.equal(slave.code, 0, slave.out);
      const points = mountinfo().map((l) => l.split(' ')[4]);
      assert.ok(points.includes(join(volumes.dir, 'vol', 'both')), 'rshared propagates to the host');
      assert.ok(!points.includes(join(volumes.dir, 'vol', 'one-way')), 'rslave does not');
    } finally {
      volumes.remove();
    }
  });
});
