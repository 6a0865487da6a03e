// The remote engine against a scripted Docker API daemon on a temporary unix
// socket: version negotiation (HEAD then GET /_ping, the /vX.Y prefix), status
// mapping (304, 404), progress streams with an error line, X-Registry-Auth,
// wait's early headers, events ending on abort, and hijacked attach (101 with
// stdcopy frames, a plain 200 raw stream) with stdin half-close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { openRemoteEngine } from '../../../src/engine/remote/index.js';
import { encodeFrame } from '../../../src/engine/remote/stdcopy.js';
import type { Engine } from '../../../src/engine/api.js';
import type { JSONMessage } from '../../../src/engine/api-types.js';

let dir: string;
let server: Server;
let engine: Engine;
const seen: string[] = [];
let releaseWait: () => void = () => undefined;
let lastAuth: string | undefined;
let pulledImage = false;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

function route(req: IncomingMessage, res: ServerResponse): void {
  seen.push(`${req.method} ${req.url}`);
  const url = new URL(req.url ?? '/', 'http://d');
  if (url.pathname === '/_ping') {
    // A daemon that refuses HEAD: the client must fall back to GET.
    if (req.method === 'HEAD') return void res.writeHead(405).end();
    res.writeHead(200, { 'Api-Version': '1.50', Ostype: 'linux' });
    return void res.end('OK');
  }
  const path = url.pathname.replace(/^\/v1\.47/, '');
  if (path === url.pathname) return json(res, 400, { message: `unversioned ${url.pathname}` });
  if (path === '/containers/running/start') return void res.writeHead(304).end();
  if (path === '/containers/running/stop') return void res.writeHead(204).end();
  if (path === '/containers/missing/json') return json(res, 404, { message: 'No such container: missing' });
  if (path === '/containers/create' && url.searchParams.get('name') === 'pulled') {
    return pulledImage ? json(res, 201, { Id: 'c0ffee', Warnings: null }) : json(res, 404, { message: 'No such image: okimage:latest' });
  }
  if (path === '/images/create' && url.searchParams.get('fromImage') === 'okimage') {
    pulledImage = url.searchParams.get('tag') === 'latest';
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return void res.end('{"status":"Pulling from library/okimage","id":"latest"}\n{"status":"Status: Downloaded newer image for okimage:latest"}\n');
  }
  if (path === '/containers/create') return json(res, 409, { message: 'Conflict. The container name "/web" is already in use by container "abc".' });
  if (path === '/images/create') {
    lastAuth = req.headers['x-registry-auth'] as string | undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"status":"Pulling from library/busybox","id":"latest"}\n{"status":"Downl');
    res.write('oading","progressDetail":{"current":1,"total":2}}\n');
    return void res.end('{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n');
  }
  if (path === '/containers/w/wait') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    releaseWait = () => res.end('{"StatusCode":7,"Error":null}\n');
    return;
  }
  if (path === '/events') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: {} }, scope: 'local', time: 1, timeNano: 1 }) + '\n');
    return; // stays open: only the client's abort ends it
  }
  json(res, 404, { message: `page not found: ${path}` });
}

function upgrade(req: IncomingMessage, socket: Duplex): void {
  seen.push(`${req.method} ${req.url} upgrade`);
  if (req.url?.includes('/containers/plain/attach')) {
    // A daemon that ignores the upgrade: 200 and a raw stream until it closes.
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nraw:');
    socket.on('data', (d: Buffer) => socket.write(d));
    socket.on('end', () => socket.end('bye'));
    return;
  }
  socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  socket.write(encodeFrame(1, Buffer.from('ready\n')));
  socket.on('data', (d: Buffer) => socket.write(encodeFrame(1, d)));
  // stdin's EOF (the client's half-close) makes the "process" exit.
  socket.on('end', () => socket.end(encodeFrame(2, Buffer.from('bye\n'))));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-remote-unit-'));
  server = createServer(route);
  server.on('upgrade', upgrade);
  await new Promise<void>((r) => server.listen(join(dir, 'api.sock'), r));
  engine = openRemoteEngine(`unix://${join(dir, 'api.sock')}`);
});

after(async () => {
  await engine.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('negotiates once: HEAD /_ping, then GET, then min(1.47, 1.50) as the prefix', async () => {
  assert.deepEqual(await engine.system.ping(), { apiVersion: '1.50', osType: 'linux' });
  assert.equal(await engine.containers.start('running'), false);
  assert.equal(await engine.containers.stop('running'), true);
  assert.deepEqual(seen.slice(0, 4), ['HEAD /_ping', 'GET /_ping', 'POST /v1.47/containers/running/start', 'POST /v1.47/containers/running/stop']);
});

test('system.ping asks the daemon each time (a liveness check), the version stays', async () => {
  const from = seen.length;
  await engine.system.ping();
  await engine.containers.start('running');
  assert.deepEqual(seen.slice(from), ['HEAD /_ping', 'GET /_ping', 'POST /v1.47/containers/running/start']);
});

test('error statuses come back as GantryErrors with the daemon\'s message', async () => {
  await assert.rejects(engine.containers.inspect('missing'), { code: 'not-found', message: 'No such container: missing' });
  await assert.rejects(engine.containers.create({ Image: 'busybox' }, { name: 'web' }), { code: 'conflict', message: /^Conflict\. The container name "\/web"/ });
});

test('create with pull=missing pulls name:latest on "No such image" and retries once', async () => {
  const progress: string[] = [];
  const created = await engine.containers.create({ Image: 'okimage' }, { name: 'pulled', pull: 'missing', onPullProgress: (m) => progress.push(m.status ?? '') });
  assert.deepEqual(created, { Id: 'c0ffee', Warnings: [] });
  assert.deepEqual(progress, ['Pulling from library/okimage', 'Status: Downloaded newer image for okimage:latest']);
  const creates = seen.filter((r) => r.startsWith('POST /v1.47/containers/create?name=pulled'));
  assert.equal(creates.length, 2);
});

test('a progress stream reports every line and throws its error line', async () => {
  const got: JSONMessage[] = [];
  await assert.rejects(
    engine.images.pull({ fromImage: 'busybox', tag: 'latest', auth: { username: 'u', password: 'p' }, onProgress: (m) => got.push(m) }),
    { message: 'manifest unknown' },
  );
  assert.deepEqual(got.map((m) => m.status ?? m.error), ['Pulling from library/busybox', 'Downloading', 'manifest unknown']);
  assert.deepEqual(JSON.parse(Buffer.from(lastAuth ?? '', 'base64url').toString()), { username: 'u', password: 'p' });
  assert.ok(seen.includes('POST /v1.47/images/create?fromImage=busybox&tag=latest'));
});

test('wait resolves on the headers, its result on the body', async () => {
  const { result } = await engine.containers.wait('w', 'next-exit');
  let settled = false;
  void result.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false);
  releaseWait();
  assert.deepEqual(await result, { StatusCode: 7, Error: null });
  assert.ok(seen.includes('POST /v1.47/containers/w/wait?condition=next-exit'));
});

test('events stream until the signal fires', async () => {
  const ac = new AbortController();
  const got: string[] = [];
  for await (const ev of engine.system.events({ signal: ac.signal, filters: { type: ['container'] } })) {
    got.push(`${ev.Type} ${ev.Action}`);
    ac.abort();
  }
  assert.deepEqual(got, ['container start']);
  // An already-aborted signal yields nothing and does not throw.
  for await (const ev of engine.system.events({ signal: ac.signal })) assert.fail(`unexpected ${ev.Action}`);
});

test('attach over 101: stdcopy frames demultiplexed, closeStdin half-closes', async () => {
  const s = await engine.containers.attach('c1', { stdin: true, stdout: true, stderr: true });
  const out: [number, string][] = [];
  s.onOutput((stream, data) => out.push([stream, data.toString()]));
  s.writeStdin(Buffer.from('ping\n'));
  await new Promise((r) => setTimeout(r, 20));
  s.closeStdin();
  assert.equal(await s.ended, undefined);
  assert.deepEqual(out, [[1, 'ready\n'], [1, 'ping\n'], [2, 'bye\n']]);
  assert.ok(seen.includes('POST /v1.47/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 upgrade'));
});

test('attach answered with a plain 200: the body is the raw output, stdin still reaches the daemon', async () => {
  // Over 1.47 raw-stream means tty, so no inspect is needed.
  const s = await engine.containers.attach('plain', { stdin: true, stdout: true });
  let out = '';
  s.onOutput((stream, data) => {
    assert.equal(stream, 1);
    out += data.toString();
  });
  s.writeStdin(Buffer.from('echo'));
  await new Promise((r) => setTimeout(r, 20));
  s.closeStdin();
  await s.ended;
  assert.equal(out, 'raw:echobye');
});

test('tcp:// reaches the same daemon over TCP', async () => {
  const tcp = createServer(route);
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const { port } = tcp.address() as { port: number };
  const remote = openRemoteEngine(`tcp://127.0.0.1:${port}`);
  try {
    assert.equal(remote.location.kind === 'remote' && remote.location.host, `tcp://127.0.0.1:${port}`);
    assert.equal(await remote.containers.start('running'), false);
    await assert.rejects(remote.containers.inspect('missing'), { code: 'not-found' });
  } finally {
    await remote.close();
    tcp.closeAllConnections();
    await new Promise((r) => tcp.close(r));
  }
});

test('a daemon that is not there is docker\'s "Cannot connect" error', async () => {
  const absent = openRemoteEngine(`unix://${join(dir, 'absent.sock')}`);
  await assert.rejects(absent.system.version(), { code: 'unavailable', message: `Cannot connect to the Docker daemon at unix://${join(dir, 'absent.sock')}. Is the docker daemon running?` });
  await absent.close();
});
