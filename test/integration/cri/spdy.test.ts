// The CRI streaming server opened over SPDY/3.1, as the kubelet and kubectl
// (before 1.30; the API server's stream translator after it) open it: by a Go
// client on spdystream, the library they use (spdy-client/main.go, built here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine } from '../../../src/engine/api.js';
import { createStreamingServer, type StreamingServer } from '../../../src/api/cri/streaming/server.js';
import { apiServerStandIn, hasKubectl, kubectl, kubectlPortForward } from './api-server-stand-in.js';

const CLIENT_SRC = new URL('../../../../test/integration/cri/spdy-client', import.meta.url).pathname;
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const hasSpdystream = existsSync('/usr/share/gocode/src/github.com/moby/spdystream');
const skip = !hasGo ? 'go is not installed (scripts/install-deps.sh installs golang-go)' : !hasSpdystream ? 'spdystream is not installed (golang-github-docker-spdystream-dev)' : false;

let work: string;
let client: string;
let g: Gantry;
let engine: Engine;
let server: StreamingServer;
let podId: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'gantry-spdy-'));
  client = join(work, 'spdy-client');
  const build = spawnSync('go', ['build', '-o', client, '.'], {
    cwd: CLIENT_SRC,
    env: { ...process.env, GO111MODULE: 'off', GOPATH: `${join(work, 'gopath')}:/usr/share/gocode`, GOCACHE: join(work, 'gocache'), GOFLAGS: '' },
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, build.stderr);
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'sp1', 'busybox', 'sh', '-c', 'exec nc -ll -p 9000 -e cat']);
  assert.equal(r.code, 0, r.stderr);
  podId = r.stdout.trim();
  engine = await openLocalEngine({ root: g.root, runroot: g.runroot });
  server = await createStreamingServer(engine);
});
after(async () => {
  await server?.close();
  await engine?.close();
  await g?.cleanup();
  await removeRootfsCache();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The client's result: the upgrade's status, the negotiated protocol, each error stream's text. */
  status: number;
  protocol: string;
  errors: string[];
  body?: string;
}

let runs = 0;
function spdy(url: string, flags: string[], input = ''): Promise<Outcome> {
  const result = join(work, `result-${++runs}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(client, ['-result', result, ...flags, url]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      let parsed: Pick<Outcome, 'status' | 'protocol' | 'errors' | 'body'>;
      try {
        parsed = JSON.parse(readFileSync(result, 'utf8')) as typeof parsed;
      } catch {
        return reject(new Error(`spdy-client exited with ${code} and no result: ${stderr}`));
      }
      resolve({ code: code ?? -1, stdout, stderr, ...parsed });
    });
  });
}

const exec = (cmd: string[], o: { tty?: boolean; stdin?: boolean; stderr?: boolean } = {}) =>
  server.exec({ container_id: podId, cmd, tty: o.tty ?? false, stdin: o.stdin ?? false, stdout: true, stderr: o.stderr ?? false }).url;

const success = JSON.stringify({ metadata: {}, status: 'Success' });

test('exec echo over SPDY: stdout, v4 negotiated and named in the 101, Success on the error stream', { skip }, async () => {
  // kubectl 1.32 offers v5 first over SPDY too; v5 is a WebSocket protocol, and v4 is what its SPDY side speaks
  const r = await spdy(exec(['echo', 'hi']), ['-protocols', 'v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io']);
  assert.deepEqual([r.code, r.status, r.protocol, r.stdout], [0, 101, 'v4.channel.k8s.io', 'hi\n'], r.stderr);
  assert.deepEqual(r.errors, [success]);
});

test('eight execs at once, each on its own connection with its own zlib contexts', { skip }, async () => {
  const outcomes = await Promise.all([...Array(8).keys()].map((i) => spdy(exec(['sh', '-c', `echo run ${i}`]), [])));
  assert.deepEqual(outcomes.map((r) => r.stdout), [...Array(8).keys()].map((i) => `run ${i}\n`));
  assert.ok(outcomes.every((r) => r.errors[0] === success));
});

test('exec -i cat: stdin through the stdin stream, its FIN ends cat', { skip }, async () => {
  const r = await spdy(exec(['cat'], { stdin: true }), ['-stdin'], 'piped through spdy\n');
  assert.deepEqual([r.code, r.stdout, r.errors], [0, 'piped through spdy\n', [success]], r.stderr);
});

test('a non-zero exit: stderr, and NonZeroExitCode on the error stream (v4 JSON; v3, v2 and v1 text, nothing on success)', { skip }, async () => {
  const cmd = ['sh', '-c', 'echo oops >&2; exit 3'];
  const r = await spdy(exec(cmd, { stderr: true }), ['-stderr']);
  assert.deepEqual([r.code, r.stderr], [0, 'oops\n']);
  assert.deepEqual(JSON.parse(r.errors[0]!), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  for (const protocol of ['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']) {
    const old = await spdy(exec(['sh', '-c', 'exit 5']), ['-protocols', `${protocol},v4.channel.k8s.io`]);
    assert.equal(old.protocol, protocol);
    assert.match(old.errors[0]!, /^command terminated with non-zero exit code: error executing command \[sh -c exit 5\], exit code 5$/);
    const ok = await spdy(exec(['true']), ['-protocols', protocol]);
    assert.deepEqual(ok.errors, ['']);
  }
  // a client that names no protocol gets the legacy one, and no header back
  const legacy = await spdy(exec(['echo', 'old']), ['-protocols', '']);
  assert.deepEqual([legacy.status, legacy.protocol, legacy.stdout, legacy.errors], [101, '', 'old\n', ['']]);
});

test('megabytes both ways: stdin in and stdout out pass the 64 KiB SPDY windows without stalling', { skip }, async () => {
  const input = 'abcdefghij'.repeat(300_000);
  const r = await spdy(exec(['sh', '-c', 'wc -c; head -c 3000000 /dev/zero | tr "\\0" x'], { stdin: true }), ['-stdin'], input);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${input.length}\n${'x'.repeat(3_000_000)}`);
  assert.deepEqual(r.errors, [success]);
});

test('an exec in an unknown container: InternalError on the error stream; a port-forward to one: the error stream says why', { skip }, async () => {
  const r = await spdy(server.exec({ container_id: 'nope', cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: false }).url, []);
  const s = JSON.parse(r.errors[0]!) as { status: string; reason: string; code: number; message: string };
  assert.deepEqual([s.status, s.reason, s.code], ['Failure', 'InternalError', 500]);
  assert.match(s.message, /No such container: nope/);
  const pf = await spdy(server.portForward({ pod_sandbox_id: 'nope', port: [] }).url, ['-mode', 'portforward', '-protocols', 'portforward.k8s.io', '-port', '80']);
  assert.match(pf.errors[0]!, /^error forwarding port 80 to pod nope: .*No such container: nope/);
});

test('exec with a tty: the resize stream sets the size stty reports', { skip }, async () => {
  const r = await spdy(exec(['sh', '-c', 'read x; stty size'], { tty: true, stdin: true }), ['-tty', '-stdin', '-resize', '123x45'], 'go\r');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /45 123\r\n/);
  assert.deepEqual(r.errors, [success]);
});

test('attach over SPDY: stdin to and output from a running container', { skip }, async () => {
  const run = await g.run(['run', '-d', '-i', '--name', 'spatt', 'busybox', 'sh', '-c', 'echo ready; read x; echo got $x']);
  assert.equal(run.code, 0, run.stderr);
  const r = await spdy(server.attach({ container_id: 'spatt', stdin: true, stdout: true, stderr: true, tty: false }).url, ['-stdin', '-stderr'], 'hello\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /got hello\n$/);
  assert.deepEqual(r.errors, [success]);
});

test('port-forward over SPDY: two data+error pairs on one connection reach nc in the pod network namespace', { skip }, async () => {
  const { url } = server.portForward({ pod_sandbox_id: podId, port: [] });
  const r = await spdy(url, ['-mode', 'portforward', '-protocols', 'portforward.k8s.io', '-port', '9000', '-requests', '2'], 'ping through the pod\n');
  assert.deepEqual([r.code, r.status, r.protocol], [0, 101, 'portforward.k8s.io'], r.stderr);
  assert.equal(r.stdout, 'ping through the pod\n'.repeat(2));
  assert.deepEqual(r.errors, ['', '']);

  // a closed port: the error stream says so
  const closed = await spdy(server.portForward({ pod_sandbox_id: podId, port: [] }).url, ['-mode', 'portforward', '-protocols', 'portforward.k8s.io', '-port', '9']);
  assert.equal(closed.stdout, '');
  assert.match(closed.errors[0]!, /^error forwarding port 9 to pod [0-9a-f]+: .*ECONNREFUSED/);
});

test('refusals: an unknown or used token is a 404, an unsupported protocol a 403', { skip }, async () => {
  const unknown = await spdy(`${server.baseUrl}/exec/AAAAAAAA`, []);
  assert.deepEqual([unknown.status, unknown.body], [404, 'not found\n']);
  const used = exec(['true']);
  await spdy(used, []);
  assert.equal((await spdy(used, [])).status, 404);
  const unsupported = await spdy(exec(['true']), ['-protocols', 'v9.channel.k8s.io']);
  assert.equal(unsupported.status, 403);
  assert.match(unsupported.body!, /unable to negotiate protocol: client supports \[v9\.channel\.k8s\.io\], server supports \[v4\.channel\.k8s\.io /);
});

/** kubectl 1.32 speaks SPDY when told not to use WebSockets. */
const SPDY_ENV = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };

test('kubectl over SPDY through an API server stand-in: exec, exec -i, the exit code, attach -i, port-forward', { skip: skip || (!hasKubectl && 'kubectl is not installed') }, async () => {
  const run = await g.run(['run', '-d', '-i', '--name', 'spatt2', 'busybox', 'sh', '-c', 'read x; echo got $x']);
  assert.equal(run.code, 0, run.stderr);
  const api = await apiServerStandIn(server, { podId, attachTo: 'spatt2' });
  try {
    const hi = await kubectl(api.url, ['exec', 'p1', '--', 'echo', 'hi'], '', SPDY_ENV);
    assert.deepEqual([hi.code, hi.stdout], [0, 'hi\n'], hi.stderr);
    const cat = await kubectl(api.url, ['exec', '-i', 'p1', '--', 'cat'], 'through kubectl\n', SPDY_ENV);
    assert.deepEqual([cat.code, cat.stdout], [0, 'through kubectl\n'], cat.stderr);
    const exit3 = await kubectl(api.url, ['exec', 'p1', '--', 'sh', '-c', 'echo bad >&2; exit 3'], '', SPDY_ENV);
    assert.equal(exit3.code, 3, exit3.stderr);
    assert.match(exit3.stderr, /^bad\ncommand terminated with exit code 3\n$/);
    const attach = await kubectl(api.url, ['attach', '-i', 'p1'], 'kube\n', SPDY_ENV);
    assert.deepEqual([attach.code, attach.stdout], [0, 'got kube\n'], attach.stderr);

    const pf = await kubectlPortForward(api.url, 9000, SPDY_ENV);
    try {
      for (const text of ['first connection\n', 'second connection\n']) {
        const echoed = await new Promise<string>((resolve, reject) => {
          const c = connect(pf.port, '127.0.0.1', () => c.end(text));
          let got = '';
          c.on('data', (d) => (got += d));
          c.on('error', reject);
          c.on('close', () => resolve(got));
        });
        assert.equal(echoed, text);
      }
    } finally {
      await pf.stop();
    }
  } finally {
    await api.close();
  }
});
