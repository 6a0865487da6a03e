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
import { cleanupRoot, makeCliBundle, RUNTIME } from './cli-harness.js';

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

/**
 * Runs script in a mount namespace of its own (private to the host), with vars in its
 * environment, so the shared mounts it makes never reach the host's mount table.
 */
function inOwnMountNs(script: string, vars: Record<string, string>): string {
  return execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-euc', script], { env: { ...process.env, ...vars }, encoding: 'utf8', timeout: 60_000 });
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
      assert.deepEqual(mountinfo().filter((l) => l.includes(env.bundles.at(-1)!.dir)), [], 'the rootfs mounts stay in the joined namespace');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('rootfs propagation', { skip }, () => {
  let root: string;
  let work: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gantry-prop-root-'));
    work = mkdtempSync(join(tmpdir(), 'gantry-prop-'));
  });
  after(() => {
    cleanupRoot(root);
    rmSync(work, { recursive: true, force: true });
  });

  let n = 0;
  /**
   * Runs args in a container whose rootfs lies on a shared tmpfs (as systemd makes
   * mounts shared), all inside a mount namespace of the test's own. Returns the
   * tmpfs's peer group and the container's output.
   */
  const onSharedMount = (args: string[], tweak: (s: Spec, shared: string) => void, script: { setup?: string; check?: string } = {}) => {
    const shared = join(work, `shared-${++n}`);
    mkdirSync(shared);
    const bundle = makeCliBundle(args, (s) => {
      s.root = { path: join(shared, 'rootfs'), readonly: false };
      tweak(s, shared);
    });
    try {
      const out = inOwnMountNs(
        'mount -t tmpfs tmpfs "$SHARED"; mount --make-shared "$SHARED"; cp -a "$BUNDLE/rootfs" "$SHARED/rootfs"; ' +
          `${script.setup ?? 'true'}; grep " $SHARED " /proc/self/mountinfo; "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" 2>&1; ${script.check ?? ''}`,
        { SHARED: shared, BUNDLE: bundle, RUNTIME, ROOT: root, ID: `prop-${process.pid}-${n}` },
      );
      const [hostLine, ...rest] = out.split('\n');
      const group = fieldsOf([hostLine!], shared).find((f) => f.startsWith('shared:'))!.slice('shared:'.length);
      return { group, out: rest.join('\n'), shared };
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  };
  const rootFields = (p: Propagation | undefined) => {
    const { group, out } = onSharedMount(['cat', '/proc/self/mountinfo'], (s) => {
      if (p) s.linux!.rootfsPropagation = p;
    });
    return { group, fields: fieldsOf(out.split('\n'), '/') };
  };

  for (const p of [undefined, 'slave', 'rslave'] as const) {
    it(`${p ?? 'the default (rslave)'}: "/" is a slave of the host's mount`, () => {
      const { group, fields } = rootFields(p);
      assert.deepEqual(fields, [`master:${group}`]);
    });
  }
  for (const p of ['private', 'rprivate'] as const) {
    it(`${p}: "/" receives nothing`, () => {
      assert.deepEqual(rootFields(p).fields, []);
    });
  }
  for (const p of ['shared', 'rshared'] as const) {
    it(`${p}: "/" is shared in a peer group of its own, never the host's`, () => {
      const { group, fields } = rootFields(p);
      assert.equal(fields.length, 1, fields.join(' '));
      assert.match(fields[0]!, /^shared:\d+$/);
      assert.notEqual(fields[0], `shared:${group}`);
    });
  }
  for (const p of ['unbindable', 'runbindable'] as const) {
    it(`${p}: "/" is unbindable (and the readonly paths are still bound)`, () => {
      assert.deepEqual(rootFields(p).fields, ['unbindable']);
    });
  }

  it('rshared with an rshared bind: a mount made in the container reaches the host (bidirectional), rslave does not', () => {
    for (const [p, bind, expect] of [['rshared', 'rshared', 'propagated'], [undefined, 'rslave', 'kept']] as const) {
      const { out } = onSharedMount(['sh', '-c', 'mkdir /vol/sub && mount -t tmpfs tmpfs /vol/sub && echo mounted'], (s, shared) => {
        const caps = [...s.process!.capabilities!.bounding!, 'CAP_SYS_ADMIN'];
        s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
        // the volume lies on a shared mount other than the rootfs's, as kubelet's do
        s.mounts!.push({ destination: '/vol', type: 'bind', source: `${shared}/volumes/vol`, options: ['rbind', bind] });
        if (p) s.linux!.rootfsPropagation = p;
      }, {
        setup: 'mkdir "$SHARED/volumes"; mount -t tmpfs tmpfs "$SHARED/volumes"; mount --make-shared "$SHARED/volumes"; mkdir "$SHARED/volumes/vol"',
        check: 'if grep -q " $SHARED/volumes/vol/sub " /proc/self/mountinfo; then echo propagated; else echo kept; fi',
      });
      assert.match(out, /mounted\n/, out);
      assert.match(out, new RegExp(`\\n${expect}\\n$`), `${bind}: ${out}`);
    }
  });
});
