// The gantry CLI as a client of its own daemon: `gantry -H unix://<sock> ...`
// against `gantry system service` over temporary roots. The client's own
// --root is empty (no busybox there), so a verb that ran in-process instead of
// through the daemon would fail with "No such image".
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Gantry, removeRootfsCache, type Result } from '../cli/gantry-harness.js';
import { runClient } from './daemon-harness.js';
import { openRemoteEngine } from '../../../src/engine/remote/index.js';
import type { Engine } from '../../../src/engine/api.js';

const GANTRY = join(resolve(import.meta.dirname, '..', '..', '..', '..'), 'bin', 'gantry');
const skip = process.getuid?.() !== 0 ? 'needs root' : false;

describe('gantry -H against gantry system service', { skip }, () => {
  let g: Gantry;
  let clientDir: string;
  let service: ChildProcess | undefined;
  let host: string;
  /** Parts the daemon does not serve yet (while the engine's parts are being written), each skipping the tests that need it. */
  let gaps: string[] = [];
  const needs = (t: TestContext, ...routes: string[]) => {
    const lacking = gaps.filter((g) => routes.includes(g));
    if (lacking.length === 0) return false;
    t.skip(`the daemon lacks ${lacking.join(', ')}`);
    return true;
  };
  const CONTAINERS = ['GET /containers/json', 'POST /containers/create'];

  const client = (args: string[], input?: string): Promise<Result> =>
    runClient(GANTRY, ['--root', join(clientDir, 'root'), '--runroot', join(clientDir, 'run'), '-H', host, ...args], {
      env: { ...process.env, GANTRY_HOST: '', DOCKER_HOST: '' },
      ...(input !== undefined ? { input } : {}),
    });
  const ok = async (args: string[], input?: string) => {
    const r = await client(args, input);
    assert.equal(r.code, 0, `gantry ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    g = await Gantry.create();
    clientDir = mkdtempSync(join(tmpdir(), 'gantry-remote-client-'));
    host = `unix://${join(g.dir, 'api.sock')}`;
    service = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'system', 'service', '--host', host], { env: g.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    service.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const engine = openRemoteEngine(host);
    try {
      for (let i = 0; !(await engine.system.ping().then(() => true, () => false)); i++) {
        if (i > 200 || service.exitCode !== null) throw new Error(`gantry system service did not come up: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      gaps = await missingParts(engine);
    } finally {
      await engine.close();
    }
  });

  after(async () => {
    if (service && service.exitCode === null) {
      const ids = (await client(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await client(['rm', '-f', ...ids]);
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    if (clientDir) rmSync(clientDir, { recursive: true, force: true });
    await g?.cleanup();
    await removeRootfsCache();
  });

  test('version shows the daemon as the engine', async () => {
    assert.match(await ok(['version']), /Engine:\n\s+Version:/);
  });

  test('run prints the output and returns the exit code; run --rm -i relays stdin', async (t) => {
    if (needs(t, ...CONTAINERS)) return;
    assert.equal(await ok(['run', '--rm', 'busybox', 'echo', 'hi']), 'hi\n');
    const failing = await client(['run', 'busybox', 'sh', '-c', 'exit 3']);
    assert.equal(failing.code, 3, failing.stderr);
    assert.equal(await ok(['run', '--rm', '-i', 'busybox', 'cat'], 'from stdin\n'), 'from stdin\n');
  });

  test('run --rm returns the exit code', async (t) => {
    if (needs(t, ...CONTAINERS)) return;
    const failing = await client(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
    assert.equal(failing.code, 3, failing.stderr);
  });

  test('run -d, ps -a, exec, logs', async (t) => {
    if (needs(t, ...CONTAINERS)) return;
    const id = (await ok(['run', '-d', '--name', 'remote-web', 'busybox', 'sh', '-c', 'echo logged; echo oops >&2; exec sleep 1000'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = await ok(['ps', '-a']);
    assert.match(ps, /^CONTAINER ID\s+IMAGE\s+COMMAND/);
    assert.match(ps, /remote-web/);
    assert.equal(await ok(['exec', 'remote-web', 'echo', 'exec-ok']), 'exec-ok\n');
    assert.equal((await client(['exec', 'remote-web', 'sh', '-c', 'exit 4'])).code, 4);
    assert.equal(await ok(['exec', '-i', 'remote-web', 'cat'], 'exec stdin\n'), 'exec stdin\n');
    const logs = await client(['logs', 'remote-web']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'logged\n');
    assert.equal(logs.stderr, 'oops\n');
    await ok(['rm', '-f', 'remote-web']);
    assert.doesNotMatch(await ok(['ps', '-a']), /remote-web/);
  });

  test('images lists the daemon\'s busybox', async (t) => {
    if (needs(t, 'GET /images/json')) return;
    assert.match(await ok(['images']), /^REPOSITORY\s+TAG\s+IMAGE ID[\s\S]*\nbusybox\s+latest\s+[0-9a-f]{12}\s/);
  });

  test('errors keep docker\'s wording and exit codes', async () => {
    const r = await client(['exec', 'remote-absent', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /No such container: remote-absent/);
  });
});

/** "not implemented" and "page not found" answers to harmless requests: what the daemon cannot do yet. */
async function missingParts(engine: Engine): Promise<string[]> {
  const lacking = (err: unknown) => err instanceof Error && 'code' in err && (err.code === 'not-implemented' || /page not found/.test(err.message));
  const probes: [string, () => Promise<unknown>][] = [
    ['GET /images/json', () => engine.images.list()],
    ['GET /containers/json', () => engine.containers.list({ all: true })],
    // An image name nothing has: an engine that creates answers 404, one that cannot 501.
    ['POST /containers/create', () => engine.containers.create({ Image: 'gantry-remote-probe/none:absent' })],
  ];
  const gaps: string[] = [];
  for (const [name, probe] of probes) if (await probe().then(() => false, lacking)) gaps.push(name);
  return gaps;
}
