// The pre-warmed worker path of bin/gantry (native/gantry-front + src/cli/prewarm):
// a served command must be indistinguishable from one run by a fresh Node — the
// caller's stdio, cwd, environment, umask, exit code and signals — and a caller
// that differs from the worker (here: another network namespace) must not be served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache, type Result } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
const SERVED = /gantry: served by pre-warmed worker (\d+)/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let g: Gantry;
let work: string;
before(async () => {
  g = await Gantry.create();
  g.env.GANTRY_DEBUG = '1';
  delete g.env.GANTRY_PREWARM;
  delete g.env.NODE_OPTIONS;
  work = await mkdtemp(join(tmpdir(), 'gantry-prewarm-'));
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
  await rm(work, { recursive: true, force: true });
});

/** Runs `command` through sh (for umask and cwd) and collects what it printed. */
function runSh(command: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Result & { signal: NodeJS.Signals | null }> {
  return new Promise((res) => {
    const child = spawn('sh', ['-c', command], { cwd: opts.cwd, env: opts.env ?? g.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) => res({ code: code ?? -1, stdout, stderr, signal }));
  });
}

const gantry = (args: string) => `exec ${GANTRY} --root ${g.root} --runroot ${g.runroot} ${args}`;

/** Until a worker for this caller is waiting (the first calls start Node and a worker). */
async function untilServed(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (SERVED.test((await g.run(['version'])).stderr)) return;
    await sleep(100);
  }
  assert.fail('no pre-warmed worker served `gantry version` within 10 s');
}

test('a served command gets the caller stdio, cwd, environment, umask and exit code', async () => {
  await untilServed();
  await writeFile(join(work, 'vars.env'), 'FROM_FILE=file-value\n');
  const r = await runSh(gantry(`run --rm -i --env-file vars.env -e FROM_CALLER busybox sh -c 'cat; echo "$FROM_FILE $FROM_CALLER"; exit 7'`), {
    cwd: work,
    env: { ...g.env, FROM_CALLER: 'caller-value' },
    input: 'from stdin\n',
  });
  assert.match(r.stderr, SERVED, 'served by a worker');
  assert.equal(r.stdout, 'from stdin\nfile-value caller-value\n');
  assert.equal(r.code, 7);

  await untilServed();
  const made = await g.run(['create', '--name', 'umask-probe', 'busybox', 'true']);
  assert.equal(made.code, 0, made.stderr);
  const e = await runSh(`umask 077; ${gantry('export -o probe.tar umask-probe')}`, { cwd: work });
  assert.match(e.stderr, SERVED);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(statSync(join(work, 'probe.tar')).mode & 0o777, 0o600, "the caller's umask applies");
});

test('signals reach the command, and the front end ends the way the command did', async () => {
  const r = await g.run(['run', '-d', '--name', 'sig-probe', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  await untilServed();
  const child = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'logs', '-f', 'sig-probe'], { env: g.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100 && !SERVED.test(stderr); i++) await sleep(50);
  assert.match(stderr, SERVED);
  await sleep(300); // logs -f is following now
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (code, signal) => res([code, signal])));
  child.kill('SIGINT');
  const [code, signal] = await ended;
  assert.ok(signal === 'SIGINT' || code === 130, `ended by SIGINT (code ${code}, signal ${signal})`);
  await g.run(['rm', '-f', 'sig-probe']);
});

test('killing the front end kills the process running its command', async () => {
  await untilServed();
  const child = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'run', '--name', 'kill-probe', 'busybox', 'sleep', '300'], { env: g.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100 && !SERVED.test(stderr); i++) await sleep(50);
  const worker = Number(SERVED.exec(stderr)?.[1]);
  assert.ok(worker > 0, stderr);
  child.kill('SIGKILL');
  const gone = () => {
    try {
      return readFileSync(`/proc/${worker}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
    } catch {
      return true;
    }
  };
  for (let i = 0; i < 100 && !gone(); i++) await sleep(50);
  assert.ok(gone(), `worker ${worker} ended with its front end`);
  await g.run(['rm', '-f', 'kill-probe']);
});

test('a caller in another network namespace is not served by this caller\'s worker', async () => {
  await untilServed();
  const ownNet = readlinkSync('/proc/self/ns/net');
  try {
    const r = await runSh(`unshare -n ${GANTRY} version`);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, SERVED);
  } finally {
    // The call started a worker for its namespace: it would idle there for minutes.
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('prewarm-worker') && readlinkSync(`/proc/${pid}/ns/net`) !== ownNet) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
});
