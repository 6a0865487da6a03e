// `exec` without -t gives the process pipes (stdin only with -i, else
// /dev/null), never the caller's fds: under a pty, nothing in the container
// refers to the caller's terminal, and a background reader started by exec
// cannot read what is typed after exec returned. The same with a fresh Node
// (GANTRY_PREWARM=0) and with the pre-warmed worker, which holds the caller's
// fds itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
const SERVED = /gantry: served by pre-warmed worker \d+/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let g: Gantry;
before(async () => {
  g = await Gantry.create();
  delete g.env.GANTRY_PREWARM;
  delete g.env.NODE_OPTIONS;
  const r = await g.run(['run', '-d', '--name', 'xc', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await g?.cleanup();
  await removeRootfsCache();
});

const MODES = [
  { name: 'fresh Node', env: { GANTRY_PREWARM: '0' } },
  { name: 'pre-warmed worker', env: { GANTRY_DEBUG: '1' } },
];

/** Until a worker for callers like the test's is waiting. */
async function untilServed(env: NodeJS.ProcessEnv): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (SERVED.test((await runInPty(gantry('version'), env)).output)) return;
    await sleep(100);
  }
  assert.fail('no pre-warmed worker served `gantry version` within 10 s');
}

/**
 * Runs a shell script under `script` (a pty as the controlling terminal of sh
 * and of everything it starts). When the output shows `waitFor`, `type` is
 * typed into the terminal.
 */
function runInPty(script: string, env: NodeJS.ProcessEnv, interact?: { waitFor: string; type: string }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-eqfc', script, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    // a run that hangs (the reader stole the typed line) fails instead of stalling the suite
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => {
      output += d;
      if (interact && !typed && output.includes(interact.waitFor)) {
        typed = true;
        child.stdin.write(interact.type);
      }
    });
    child.stderr.on('data', (d) => (output += d));
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? -1, output: output.replace(/\r/g, '') });
    });
  });
}

/** g.run, but a command still running after 30 s is killed (before the fix, a background child holding the output kept exec waiting for ever). */
function runGuarded(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, ...args], { env: g.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    // 'exit', not 'close': the pipes' other ends may be held by what the command left running
    child.on('exit', (code) => {
      clearTimeout(guard);
      setImmediate(() => resolve({ code: code ?? -1, stdout, stderr }));
    });
  });
}

const gantry = (args: string) => `${GANTRY} --root ${g.root} --runroot ${g.runroot} ${args}`;

for (const mode of MODES) {
  test(`exec without -t under a pty: the process has pipes, not the terminal (${mode.name})`, async () => {
    const env = { ...g.env, ...mode.env };
    for (const flags of ['', '-i']) {
      if (mode.env.GANTRY_DEBUG) await untilServed(env);
      const r = await runInPty(gantry(`exec ${flags} xc sh -c 'ls -l /proc/self/fd/; exit 3'`), env);
      assert.equal(r.code, 3, r.output);
      if (mode.env.GANTRY_DEBUG) assert.match(r.output, SERVED);
      const fds = new Map([...r.output.matchAll(/ (\d+) -> (\S+)/g)].map((m) => [m[1], m[2]]));
      assert.match(fds.get('0') ?? '', flags ? /^pipe:\[\d+\]$/ : /^\/dev\/null$/, `stdin with '${flags}': ${r.output}`);
      assert.match(fds.get('1') ?? '', /^pipe:\[\d+\]$/, r.output);
      assert.match(fds.get('2') ?? '', /^pipe:\[\d+\]$/, r.output);
      assert.doesNotMatch(r.output, /\/dev\/pts/);
    }
  });

  test(`a background reader started by exec cannot read the terminal after exec returns (${mode.name})`, async () => {
    const env = { ...g.env, ...mode.env };
    for (const flags of ['', '-i']) {
      await g.run(['exec', 'xc', 'rm', '-f', '/tmp/stolen']);
      if (mode.env.GANTRY_DEBUG) await untilServed(env);
      // readers of each of the process's stdio fds (the terminal's, before the fix), kept past
      // the async list's stdin=/dev/null rule by dup'ing them first
      const reader = `exec 3<&0 4<&1 5<&2; for fd in 3 4 5; do cat <&$fd >>/tmp/stolen 2>/dev/null & done`;
      const script = `${gantry(`exec ${flags} xc sh -c '${reader}'`)}; echo "exec returned $?"; read line; echo "shell read: $line"`;
      const r = await runInPty(script, env, { waitFor: 'exec returned', type: 'typed-after-exec\n' });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /exec returned 0\n/);
      assert.match(r.output, /shell read: typed-after-exec\n/, 'the line typed after exec reached the shell');
      const stolen = await g.run(['exec', 'xc', 'cat', '/tmp/stolen']);
      assert.equal(stolen.stdout, '', `the container read the terminal (exec ${flags})`);
    }
  });
}

test('exec returns when its process exits; a background child that keeps the output open delays it at most briefly', async () => {
  const r = await runGuarded(['exec', 'xc', 'sh', '-c', 'sleep 1000 & echo started; exit 4']);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, 'started\n');
  const quiet = await runGuarded(['exec', 'xc', 'sh', '-c', 'sleep 1000 >/dev/null 2>&1 & exit 0']);
  assert.equal(quiet.code, 0);
  // stdin with -i reaches the process and its EOF closes the pipe; /dev/stdout is a pipe the process can open
  const cat = await runGuarded(['exec', '-i', 'xc', 'sh', '-c', 'cat; echo to-stderr > /dev/stderr; echo to-stdout > /dev/stdout'], 'from stdin\n');
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, 'from stdin\nto-stdout\n');
  assert.equal(cat.stderr, 'to-stderr\n');
});
