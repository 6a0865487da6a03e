// Builds through the Docker API's POST /build: docker's CLI with the classic
// builder (DOCKER_BUILDKIT=0), docker-py's images.build, and gantry -H.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Daemon, findDockerCli, pythonHas, runClient, SYSTEM_PYTHON } from '../api/daemon-harness.js';

const DOCKER = findDockerCli();
const GANTRY = resolve(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
let d: Daemon;
let dir: string;

describe('builds through the Docker API', { timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    dir = await mkdtemp(join(tmpdir(), 'gantry-build-api-'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nARG WHO=nobody\nCOPY msg /msg\nRUN echo "$WHO: $(cat /msg)" > /out\nCMD ["cat", "/out"]\n');
    await writeFile(join(dir, 'msg'), 'built through the API\n');
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('docker build (classic builder), then run the image', { skip: DOCKER ? false : 'no docker CLI on this machine' }, async () => {
    const env = d.clientEnv({ DOCKER_BUILDKIT: '0' });
    const b = await runClient(DOCKER!, ['build', '-t', 'api-built:1', '--build-arg', 'WHO=docker', dir], { env, timeoutMs: 120_000 });
    assert.equal(b.code, 0, b.stderr + b.stdout + d.logs().slice(-2000));
    assert.match(b.stdout, /Step 4\/5 : RUN/);
    assert.match(b.stdout, /Successfully tagged api-built:1/);
    const r = await runClient(DOCKER!, ['run', '--rm', 'api-built:1'], { env });
    assert.equal(r.stdout, 'docker: built through the API\n', r.stderr);
    const again = await runClient(DOCKER!, ['build', '-q', '--build-arg', 'WHO=docker', dir], { env, timeoutMs: 120_000 });
    assert.match(again.stdout.trim(), /^sha256:[0-9a-f]{64}$/, again.stderr);
    const bad = await runClient(DOCKER!, ['build', '-f', 'missing.Dockerfile', dir], { env });
    assert.notEqual(bad.code, 0);
  });

  test('docker-py images.build', { skip: pythonHas('docker') ? false : `${SYSTEM_PYTHON} cannot import docker` }, async () => {
    const script = `import docker, json
client = docker.from_env(version='auto', timeout=120)
img, logs = client.images.build(path=${JSON.stringify(dir)}, tag='py-built:1', buildargs={'WHO': 'python'})
out = client.containers.run('py-built:1', remove=True).decode()
print(json.dumps({'id': img.id, 'tags': img.tags, 'out': out, 'steps': sum(1 for l in logs if 'Step' in l.get('stream', ''))}))`;
    const r = await runClient(SYSTEM_PYTHON, ['-c', script], { env: d.clientEnv(), timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + d.logs().slice(-2000));
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.match(got.id, /^sha256:/);
    assert.deepEqual(got.tags, ['py-built:1']);
    assert.equal(got.out, 'python: built through the API\n');
    assert.equal(got.steps, 5);
  });

  test('gantry -H build sends the context to the daemon', async () => {
    const b = await runClient(GANTRY, ['-H', d.host, 'build', '-t', 'remote-built', '--build-arg', 'WHO=gantry', dir], { timeoutMs: 120_000 });
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const r = await runClient(GANTRY, ['-H', d.host, 'run', '--rm', 'remote-built']);
    assert.equal(r.stdout, 'gantry: built through the API\n', r.stderr);
  });
});
