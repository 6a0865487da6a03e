import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../../src/images/content/index.js';
import { pullImage } from '../../../src/images/pull.js';
import { getCredentials, loginRegistry } from '../../../src/images/auth/credentials.js';
import { TEST_PASSWORD, TEST_USER, skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, simpleImage } from './registry-images.js';

/** A recording unpacker and image store: auth tests care about the transfer only. */
function recordingDeps(root: string) {
  const recorded: unknown[] = [];
  return {
    content: openContentStore(join(root, 'content')),
    unpacker: {
      hasSnapshot: async () => false,
      applyLayer: async (a: { stream: NodeJS.ReadableStream }) => {
        for await (const _ of a.stream) void _;
      },
    },
    images: { recordImage: async (r: unknown) => (recorded.push(r), { moved: true }) },
    recorded,
  };
}

const gantry = (args: string[], env: NodeJS.ProcessEnv, input?: string) =>
  spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, input });

describe('registry with htpasswd Basic auth', () => {
  let reg: TestRegistry;
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-auth-'));
    reg = await startRegistry({ auth: 'basic' });
    const layout = await buildLayout(join(work, 'img'), [simpleImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/private/app:latest`, { creds: `${TEST_USER}:${TEST_PASSWORD}` });
  });
  after(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('anonymous and wrong-password pulls are unauthorized', async () => {
    const deps = recordingDeps(await mkdtemp(join(work, 'r-')));
    const cfg = { dockerConfigDir: join(work, 'nobody') };
    await assert.rejects(pullImage(deps, `${reg.host}/private/app`, { registryConfig: cfg }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /unauthorized/);
      return true;
    });
    await assert.rejects(
      pullImage(deps, `${reg.host}/private/app`, { registryConfig: cfg, auth: { username: TEST_USER, password: 'wrong' } }),
      /unauthorized/,
    );
    await assert.rejects(loginRegistry({ server: reg.host, username: TEST_USER, password: 'wrong', registryConfig: cfg }), /unauthorized: incorrect username or password/);
  });

  test('gantry login stores docker-format credentials that pull uses; logout removes them', async () => {
    const dockerConfig = join(work, 'docker-config');
    const env = { DOCKER_CONFIG: dockerConfig, GANTRY_ROOT: join(work, 'root'), GANTRY_RUNROOT: join(work, 'run') };
    const bad = gantry(['login', '-u', TEST_USER, '--password-stdin', reg.host], env, 'nope\n');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unauthorized/);
    const ok = gantry(['login', '-u', TEST_USER, '--password-stdin', reg.host], env, `${TEST_PASSWORD}\n`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded\n');
    const cfg = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(cfg.auths[reg.host]!.auth, 'base64').toString(), `${TEST_USER}:${TEST_PASSWORD}`);
    const deps = recordingDeps(await mkdtemp(join(work, 'r-')));
    const res = await pullImage(deps, `${reg.host}/private/app`, { registryConfig: { dockerConfigDir: dockerConfig } });
    assert.equal(deps.recorded.length, 1);
    assert.ok(res.digest.startsWith('sha256:'));
    const out = gantry(['logout', reg.host], env);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.equal(await getCredentials(reg.host, { dockerConfigDir: dockerConfig }), undefined);
  });

  test('credentials come from a configured docker-credential helper', async () => {
    const dir = join(work, 'helper');
    await mkdir(join(dir, 'bin'), { recursive: true });
    const helper = join(dir, 'bin', 'docker-credential-gantrytest');
    await writeFile(helper, `#!/bin/sh\n[ "$1" = get ] && server=$(cat) && printf '{"ServerURL":"%s","Username":"${TEST_USER}","Secret":"${TEST_PASSWORD}"}' "$server"\n`, { mode: 0o755 });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'gantrytest' } }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${join(dir, 'bin')}:${oldPath}`;
    try {
      assert.deepEqual(await getCredentials(reg.host, { dockerConfigDir: dir }), { username: TEST_USER, password: TEST_PASSWORD });
      const deps = recordingDeps(await mkdtemp(join(work, 'r-')));
      await pullImage(deps, `${reg.host}/private/app`, { registryConfig: { dockerConfigDir: dir } });
    } finally {
      process.env.PATH = oldPath;
    }
  });
});

test('token auth: anonymous pull is refused for a private push, credentials get scoped tokens', async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-token-'));
  const reg = await startRegistry({ auth: 'token' });
  try {
    const layout = await buildLayout(join(work, 'img'), [simpleImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/team/app:latest`, { creds: `${TEST_USER}:${TEST_PASSWORD}` });
    const deps = recordingDeps(await mkdtemp(join(work, 'r-')));
    const cfg = { dockerConfigDir: join(work, 'none') };
    // Anonymous tokens carry pull access in this token server.
    const anon = await pullImage(deps, `${reg.host}/team/app`, { registryConfig: cfg });
    assert.equal(anon.digest, layout.digest);
    await assert.rejects(
      pullImage(recordingDeps(await mkdtemp(join(work, 'r-'))), `${reg.host}/team/app`, { registryConfig: cfg, auth: { username: TEST_USER, password: 'bad' } }),
      /incorrect username or password/,
    );
    const login = await loginRegistry({ server: reg.host, username: TEST_USER, password: TEST_PASSWORD, registryConfig: { dockerConfigDir: join(work, 'cfg') } });
    assert.equal(login.status, 'Login Succeeded');
  } finally {
    await reg.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('TLS with a CA from a certs.d directory; a wrong CA fails verification', async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-tls-'));
  const reg = await startRegistry({ tls: true });
  try {
    const layout = await buildLayout(join(work, 'img'), [simpleImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/tls/app:latest`, { certDir: join(reg.certsDir!, reg.host) });
    const deps = recordingDeps(await mkdtemp(join(work, 'r-')));
    const res = await pullImage(deps, `${reg.host}/tls/app`, { registryConfig: { certsDir: reg.certsDir } });
    assert.equal(res.digest, layout.digest);
    const wrong = join(work, 'wrong-certs');
    await mkdir(join(wrong, reg.host), { recursive: true });
    spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(wrong, 'k'), '-out', join(wrong, reg.host, 'ca.crt'), '-days', '1', '-subj', '/CN=other'], { stdio: 'ignore' });
    await assert.rejects(
      pullImage(recordingDeps(await mkdtemp(join(work, 'r-'))), `${reg.host}/tls/app`, { registryConfig: { certsDir: wrong } }),
      /certificate|self.signed|unable to verify/i,
    );
  } finally {
    await reg.stop();
    await rm(work, { recursive: true, force: true });
  }
});
