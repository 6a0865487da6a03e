// Pulls through registry mirrors configured like containerd's hosts.toml: real
// docker-registry instances on 127.0.0.1 stand in for mirrors of registries
// this machine cannot reach (registry.k8s.io, an unlisted host), with a
// corrupting proxy as a mirror that serves wrong content; the CLI and the CRI
// PullImage both go through the engine's pull.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, skopeoCopy, startRegistry, TEST_PASSWORD, TEST_USER, type TestRegistry } from '../../fixtures/registry.js';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startCri } from '../cri/cri-client.js';
import { buildLayout, startProxy, type BuiltLayout } from './registry-images.js';

const GANTRY = join(resolve(import.meta.dirname, '..', '..', '..', '..'), 'bin', 'gantry');
const IMAGE = 'registry.k8s.io/pause:3.9';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh store (no busybox in it: every layer comes from a registry) and a hosts dir. */
class Store {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Store> {
    return new Store(await mkdtemp(join(tmpdir(), 'gantry-mirrors-')));
  }

  get hostsDir(): string {
    return join(this.dir, 'certs.d');
  }

  async hosts(registry: string, lines: string[]): Promise<void> {
    await mkdir(join(this.hostsDir, registry), { recursive: true });
    await writeFile(join(this.hostsDir, registry, 'hosts.toml'), `${lines.join('\n')}\n`);
  }

  spawn(args: string[]) {
    return spawn(GANTRY, ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--registry-config-dir', this.hostsDir, ...args], {
      env: { ...process.env, DOCKER_CONFIG: join(this.dir, 'docker-config') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Async: a proxy in this process must keep serving while gantry runs. */
  gantry(args: string[], input = ''): Promise<Run> {
    return new Promise((res) => {
      const child = this.spawn(args);
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    });
  }

  async images(): Promise<string[]> {
    const r = await this.gantry(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  async cleanup(): Promise<void> {
    const ids = (await this.gantry(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await this.gantry(['rm', '-f', ...ids]);
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(this.dir));
    for (const m of mounts.reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    await rm(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}

/** Registry access-log lines arrive on a pipe: wait (boundedly) for one matching re. */
async function sawRequest(reg: TestRegistry, from: number, re: RegExp): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (re.test(reg.logs().slice(from))) return true;
    await sleep(50);
  }
  return false;
}

describe('registry mirrors from hosts.toml', () => {
  let work: string;
  let mirror: TestRegistry;
  let second: TestRegistry;
  let layout: BuiltLayout;
  let layerDigest: string;
  const stores: Store[] = [];
  const store = async () => {
    const s = await Store.create();
    stores.push(s);
    return s;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-mirrors-image-'));
    const rootfs = join(work, 'rootfs');
    execFileSync('sh', [join(resolve(import.meta.dirname, '..', '..', '..', '..'), 'scripts', 'busybox-rootfs.sh'), rootfs]);
    layout = await buildLayout(join(work, 'img'), [{ layers: [{ dir: rootfs }, { files: [{ name: 'etc/mirrored', content: 'yes\n' }] }], cmd: ['cat', '/etc/mirrored'] }], '3.9');
    layerDigest = layout.manifests[0]!.layerDigests[1]!;
    [mirror, second] = await Promise.all([startRegistry(), startRegistry()]);
    for (const reg of [mirror, second]) await skopeoCopy(`oci:${layout.dir}:3.9`, `docker://${reg.host}/pause:3.9`);
  });

  after(async () => {
    for (const s of stores) await s.cleanup();
    await mirror?.stop();
    await second?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('pulls registry.k8s.io/pause:3.9 from the mirror, keeps its name, and run uses it', async () => {
    const s = await store();
    await s.hosts('registry.k8s.io', [
      'server = "https://registry.k8s.io"',
      `[host."http://${mirror.host}"]`,
      '  capabilities = ["pull", "resolve"]',
      `  [host."http://${mirror.host}".header]`,
      '    x-gantry-test = "mirrors"',
    ]);
    const mark = mirror.logs().length;
    const r = await s.gantry(['pull', IMAGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Digest: ${layout.digest}`));
    assert.deepEqual(await s.images(), [IMAGE]);
    // The mirror is told whose content it serves, as containerd does.
    assert.ok(await sawRequest(mirror, mark, /\/v2\/pause\/manifests\/3\.9\?ns=registry\.k8s\.io/), mirror.logs().slice(mark));

    const run = await s.gantry(['run', '--rm', '--network', 'none', IMAGE]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'yes\n');

    // run pulls a missing image through the mirror too.
    const fresh = await store();
    await fresh.hosts('registry.k8s.io', [`[host."http://${mirror.host}"]`]);
    const run2 = await fresh.gantry(['run', '--rm', '--network', 'none', IMAGE]);
    assert.equal(run2.code, 0, run2.stderr);
    assert.equal(run2.stdout, 'yes\n');
  });

  test('a dead first mirror falls through to a live second, which gets its headers', async () => {
    const proxy = await startProxy(second.host);
    try {
      const s = await store();
      await s.hosts('registry.k8s.io', [
        `[host."http://127.0.0.1:${await freePort()}"]`,
        `[host."http://${proxy.host}"]`,
        `  [host."http://${proxy.host}".header]`,
        '    x-gantry-test = ["a", "b"]',
      ]);
      const r = await s.gantry(['pull', IMAGE]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await s.images(), [IMAGE]);
      assert.ok(proxy.requestHeaders.length > 0);
      for (const h of proxy.requestHeaders) assert.equal(h['x-gantry-test'], 'a, b');
    } finally {
      await proxy.stop();
    }
  });

  test('a TLS mirror: verified against hosts.toml ca or the host dir\'s ca.crt, or skip_verify', async () => {
    const tls = await startRegistry({ tls: true });
    try {
      await skopeoCopy(`oci:${layout.dir}:3.9`, `docker://${tls.host}/pause:3.9`);
      const dead = `server = "http://127.0.0.1:${await freePort()}"`;
      const cases: { lines: string[]; ok: boolean; setup?: (s: Store) => Promise<void> }[] = [
        { lines: [dead, `[host."https://${tls.host}"]`], ok: false },
        {
          lines: [dead, `[host."https://${tls.host}"]`, '  ca = "mirror-ca.crt"'],
          ok: true,
          setup: async (s) => writeFile(join(s.hostsDir, 'registry.k8s.io', 'mirror-ca.crt'), readFileSync(tls.caFile!)),
        },
        { lines: [dead, `[host."https://${tls.host}"]`, '  skip_verify = true'], ok: true },
        {
          lines: [dead, `[host."https://${tls.host}"]`],
          ok: true,
          setup: async (s) => {
            await mkdir(join(s.hostsDir, tls.host));
            await writeFile(join(s.hostsDir, tls.host, 'ca.crt'), readFileSync(tls.caFile!));
          },
        },
      ];
      for (const c of cases) {
        const s = await store();
        await s.hosts('registry.k8s.io', c.lines);
        await c.setup?.(s);
        const r = await s.gantry(['pull', IMAGE]);
        if (c.ok) assert.equal(r.code, 0, `${c.lines.join(' ')}: ${r.stderr}`);
        else {
          assert.notEqual(r.code, 0, r.stdout);
          assert.match(r.stderr, /self[- ]signed|unable to verify|certificate/i);
        }
      }
    } finally {
      await tls.stop();
    }
  });

  test('_default applies to a registry without its own hosts.toml', async () => {
    const s = await store();
    await s.hosts('_default', [`[host."http://${mirror.host}"]`]);
    await s.hosts('registry.k8s.io', [`[host."http://127.0.0.1:${await freePort()}"]`]);
    const r = await s.gantry(['pull', 'unlisted.invalid/pause:3.9']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await s.images(), ['unlisted.invalid/pause:3.9']);
  });

  test('override_path: the host URL is the API root', async () => {
    const s = await store();
    await s.hosts('registry.k8s.io', [`[host."http://${mirror.host}/v2"]`, '  override_path = true']);
    const mark = mirror.logs().length;
    const r = await s.gantry(['pull', IMAGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await sawRequest(mirror, mark, /"GET \/v2\/pause\/manifests\/sha256:/), mirror.logs().slice(mark));
    assert.doesNotMatch(mirror.logs().slice(mark), /\/v2\/v2\//);
  });

  test("a mirror authenticates with its own stored credentials and token challenges", async () => {
    const basic = await startRegistry({ auth: 'basic' });
    const token = await startRegistry({ auth: 'token' });
    try {
      for (const reg of [basic, token]) await skopeoCopy(`oci:${layout.dir}:3.9`, `docker://${reg.host}/pause:3.9`, { creds: `${TEST_USER}:${TEST_PASSWORD}` });
      const dead = `server = "http://127.0.0.1:${await freePort()}"`;

      // Without credentials for it the Basic mirror refuses, and the pull names it.
      const anonymous = await store();
      await anonymous.hosts('registry.k8s.io', [dead, `[host."http://${basic.host}"]`]);
      const refused = await anonymous.gantry(['pull', IMAGE]);
      assert.notEqual(refused.code, 0, refused.stdout);
      assert.ok(refused.stderr.includes(`http://${basic.host}`), refused.stderr);
      assert.match(refused.stderr, /unauthorized|authentication required|pull access denied/i);

      const s = await store();
      await s.hosts('registry.k8s.io', [dead, `[host."http://${basic.host}"]`]);
      const login = await s.gantry(['login', '-u', TEST_USER, '--password-stdin', basic.host], `${TEST_PASSWORD}\n`);
      assert.equal(login.code, 0, login.stderr);
      const r = await s.gantry(['pull', IMAGE]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await s.images(), [IMAGE]);

      // A token-auth mirror: anonymous pull tokens from its own realm.
      const t = await store();
      await t.hosts('registry.k8s.io', [dead, `[host."http://${token.host}"]`]);
      const viaToken = await t.gantry(['pull', IMAGE]);
      assert.equal(viaToken.code, 0, viaToken.stderr);
      assert.deepEqual(await t.images(), [IMAGE]);
    } finally {
      await basic.stop();
      await token.stop();
    }
  });

  test('a mirror without resolve is not asked for the tag, only for content by digest', async () => {
    const s = await store();
    await s.hosts('registry.k8s.io', [
      `[host."http://${second.host}"]`,
      '  capabilities = ["pull"]',
      `[host."http://${mirror.host}"]`,
      '  capabilities = ["pull", "resolve"]',
    ]);
    const [markSecond, markMirror] = [second.logs().length, mirror.logs().length];
    const r = await s.gantry(['pull', IMAGE]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(await sawRequest(mirror, markMirror, /\/v2\/pause\/manifests\/3\.9/), 'the resolving mirror answers the tag');
    assert.ok(await sawRequest(second, markSecond, new RegExp(`/v2/pause/manifests/${layout.digest}`)), 'the pull-only mirror serves the manifest by digest');
    assert.ok(await sawRequest(second, markSecond, new RegExp(`/v2/pause/blobs/${layerDigest}`)), 'and the layers');
    assert.doesNotMatch(second.logs().slice(markSecond), /\/manifests\/3\.9/);
  });

  test('a mirror serving wrong content for a digest is rejected; the next host serves it', async () => {
    const badLayer = await startProxy(mirror.host, { corruptBlob: layerDigest as `sha256:${string}` });
    const badManifest = await startProxy(mirror.host, { corruptManifest: layout.digest });
    try {
      const s = await store();
      await s.hosts('registry.k8s.io', [`[host."http://${badLayer.host}"]`, `[host."http://${second.host}"]`]);
      const r = await s.gantry(['pull', IMAGE]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(badLayer.blobGets.some((g) => g.startsWith(layerDigest)), 'the corrupting mirror was asked first');
      assert.deepEqual(await s.images(), [IMAGE]);

      // With no good host left the pull fails, naming the check and every host tried.
      const dead = `http://127.0.0.1:${await freePort()}`;
      for (const [proxy, check] of [
        [badLayer, /unexpected commit digest/],
        [badManifest, /manifest verification failed for digest/],
      ] as const) {
        const t = await store();
        await t.hosts('registry.k8s.io', [`server = "${dead}"`, `[host."http://${proxy.host}"]`]);
        const byDigest = `registry.k8s.io/pause@${layout.digest}`;
        const failed = await t.gantry(['pull', byDigest]);
        assert.notEqual(failed.code, 0, failed.stdout);
        assert.match(failed.stderr, check);
        assert.ok(failed.stderr.includes(`http://${proxy.host}`) && failed.stderr.includes(dead), failed.stderr);
        assert.deepEqual(await t.images(), []);
      }
    } finally {
      await badLayer.stop();
      await badManifest.stop();
    }
  });

  test("the Docker API's /images/create goes through the mirror (--registry-config-dir on system service)", async () => {
    const s = await store();
    await s.hosts('registry.k8s.io', [`[host."http://${mirror.host}"]`]);
    const socket = join(s.dir, 'docker.sock');
    const service = s.spawn(['system', 'service', '-H', `unix://${socket}`]);
    let serviceErr = '';
    service.stderr!.on('data', (d) => (serviceErr += d));
    const exited = new Promise<void>((r) => service.once('exit', () => r()));
    try {
      for (let i = 0; !existsSync(socket); i++) {
        if (service.exitCode !== null || i > 200) throw new Error(`service did not start: ${serviceErr}`);
        await sleep(50);
      }
      const { status, body } = await new Promise<{ status: number; body: string }>((res, rej) => {
        const req = http.request({ socketPath: socket, method: 'POST', path: `/v1.43/images/create?fromImage=${encodeURIComponent('registry.k8s.io/pause')}&tag=3.9` }, (r) => {
          let b = '';
          r.on('data', (d) => (b += d));
          r.on('end', () => res({ status: r.statusCode ?? 0, body: b }));
        });
        req.on('error', rej);
        req.end();
      });
      assert.equal(status, 200, body);
      assert.doesNotMatch(body, /"error"/);
      assert.match(body, new RegExp(`Digest: ${layout.digest}`));
    } finally {
      if (service.exitCode === null) service.kill('SIGTERM');
      await exited;
    }
    assert.deepEqual(await s.images(), [IMAGE]);
  });

  test('CRI PullImage goes through the mirror (GANTRY_REGISTRY_CONFIG_DIR)', async () => {
    const g = await Gantry.create();
    const hostsDir = join(g.dir, 'certs.d');
    await mkdir(join(hostsDir, 'registry.k8s.io'), { recursive: true });
    await writeFile(join(hostsDir, 'registry.k8s.io', 'hosts.toml'), `[host."http://${mirror.host}"]\n  capabilities = ["pull", "resolve"]\n`);
    g.env.GANTRY_REGISTRY_CONFIG_DIR = hostsDir;
    const cri = await startCri(g).catch(async (err) => {
      await g.cleanup();
      throw err;
    });
    try {
      const { image_ref: ref } = await cri.image.call('PullImage', { image: { image: IMAGE } });
      assert.match(ref, /^sha256:[0-9a-f]{64}$/);
      const st = (await cri.image.call('ImageStatus', { image: { image: IMAGE } })).image;
      assert.equal(st.id, ref);
      assert.ok(st.repo_tags.includes(IMAGE), st.repo_tags.join(' '));
      assert.deepEqual(st.repo_digests, [`registry.k8s.io/pause@${layout.digest}`]);
    } finally {
      await cri.stop();
      await g.cleanup();
      await removeRootfsCache();
    }
  });
});
