// Smoke test of `gantry system service` as users run it (bin/gantry, so the
// front end and pre-warmed workers are in the path): the default socket under
// the runroot with mode 0660, the ping, a second service refused while the
// first lives, and SIGTERM ending it with 0 and its socket gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { call } from './fake-engine.js';

const GANTRY = resolve(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('gantry system service: listens on <runroot>/gantry.sock, refuses a second service, ends on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-service-'));
  const globals = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run')];
  const socketPath = join(dir, 'run', 'gantry.sock');
  const service = spawn(GANTRY, [...globals, 'system', 'service'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  service.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((r) => service.once('exit', (code) => r(code)));
  t.after(() => {
    service.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  await waitFor(() => existsSync(socketPath) || service.exitCode !== null, 'the socket');
  assert.ok(existsSync(socketPath), `service exited early: ${stderr}`);
  const st = statSync(socketPath);
  assert.equal(st.mode & 0o777, 0o660);
  if (process.getuid?.() === 0) assert.deepEqual([st.uid, st.gid], [0, 0]);

  const ping = await call(socketPath, 'GET', '/v1.44/_ping');
  assert.deepEqual([ping.status, ping.text, ping.headers['api-version']], [200, 'OK', '1.47']);

  const second = spawnSync(GANTRY, [...globals, 'system', 'service'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(second.status, 1);
  assert.match(second.stderr, /another server is listening there/);
  assert.equal((await call(socketPath, 'GET', '/_ping')).text, 'OK');

  service.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(socketPath), false);
});
