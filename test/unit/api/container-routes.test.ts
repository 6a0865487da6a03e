// The container and exec routes over a fake Engine: what each HTTP request
// becomes in the Engine interface and how the answer goes back on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { ContainerInspect } from '../../../src/engine/docker-types.js';
import type { IOSession } from '../../../src/engine/api.js';
import { notFound } from '../../../src/errdefs/index.js';
import { StdcopyDecoder } from '../../../src/api/docker/stdcopy.js';
import { fakeEngine, startServer, call, rawRequest, readAll } from './fake-engine.js';

const inspectOf = (tty: boolean) => ({ Id: 'c1', Config: { Tty: tty } }) as unknown as ContainerInspect;

/** An IOSession that records stdin and can be fed output. */
function fakeSession() {
  let emit: (stream: 1 | 2, data: Buffer) => void = () => undefined;
  let finish: (code: number | undefined) => void = () => undefined;
  const stdin: Buffer[] = [];
  const events: string[] = [];
  const session: IOSession = {
    onOutput: (fn) => {
      emit = fn;
    },
    ended: new Promise((r) => (finish = r)),
    writeStdin: (d) => stdin.push(d),
    closeStdin: () => events.push('closeStdin'),
    close: () => events.push('close'),
  };
  return { session, stdin, events, emit: (s: 1 | 2, d: string) => emit(s, Buffer.from(d)), finish: (c?: number) => finish(c) };
}

test('create, start/stop 304s, list query, remove flags, wait headers first', async (t) => {
  const seen: unknown[] = [];
  let releaseWait: (v: { StatusCode: number }) => void = () => undefined;
  const engine = fakeEngine({
    containers: {
      create: async (body, opts) => {
        seen.push(['create', body.Image, opts, 'Env' in body, body.HostConfig]);
        return { Id: 'abc', Warnings: [] };
      },
      start: async () => false,
      stop: async (_ref, opts) => {
        seen.push(['stop', opts]);
        return true;
      },
      list: async (opts) => {
        seen.push(['list', opts]);
        return [];
      },
      remove: async (ref, opts) => void seen.push(['remove', ref, opts]),
      wait: async (ref) => {
        if (ref === 'nope') throw notFound('No such container: nope');
        return { result: new Promise((r) => (releaseWait = r)) };
      },
    },
  });
  const srv = await startServer(engine);
  t.after(() => srv.close());

  const created = await call(srv.socketPath, 'POST', '/v1.47/containers/create?name=web', { Image: 'busybox', Cmd: ['true'], Env: null, HostConfig: { Binds: null, Privileged: false } });
  assert.deepEqual([created.status, JSON.parse(created.text)], [201, { Id: 'abc', Warnings: [] }]);
  assert.equal((await call(srv.socketPath, 'POST', '/containers/abc/start')).status, 304);
  assert.equal((await call(srv.socketPath, 'POST', '/containers/abc/stop?t=3&signal=SIGINT')).status, 204);
  await call(srv.socketPath, 'GET', '/containers/json?all=1&limit=2&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D');
  assert.equal((await call(srv.socketPath, 'DELETE', '/containers/abc?force=true&v=1')).status, 204);
  assert.deepEqual(seen, [
    // Go's nil slices (null) are fields left out.
    ['create', 'busybox', { name: 'web', platform: undefined }, false, { Privileged: false }],
    ['stop', { t: 3, signal: 'SIGINT' }],
    ['list', { all: true, limit: 2, size: false, filters: { status: ['exited'] } }],
    ['remove', 'abc', { force: true, v: true, link: false }],
  ]);

  assert.equal((await call(srv.socketPath, 'POST', '/containers/nope/wait')).status, 404);
  const waited = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: srv.socketPath, method: 'POST', path: '/containers/abc/wait?condition=next-exit' }, (res) => {
      // The headers came before the result exists.
      releaseWait({ StatusCode: 3 });
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual([waited.status, JSON.parse(waited.body)], [200, { StatusCode: 3 }]);
  assert.equal((await call(srv.socketPath, 'POST', '/containers/abc/wait?condition=bogus')).status, 400);
});

test('logs: stdcopy frames without a tty, raw bytes with one, options translated', async (t) => {
  let tty = false;
  let opts: unknown;
  const engine = fakeEngine({
    containers: {
      inspect: async () => inspectOf(tty),
      logs: async (_ref, o) => {
        opts = { ...o, signal: undefined };
        return (async function* () {
          yield { stream: 1 as const, data: Buffer.from('out\n') };
          yield { stream: 2 as const, data: Buffer.from('err\n') };
        })();
      },
    },
  });
  const srv = await startServer(engine);
  t.after(() => srv.close());
  assert.equal((await call(srv.socketPath, 'GET', '/containers/c1/logs')).status, 400);
  const muxed = await call(srv.socketPath, 'GET', '/v1.47/containers/c1/logs?stdout=1&stderr=1&tail=5&since=1700000000.5&timestamps=1');
  assert.equal(muxed.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
  assert.deepEqual(new StdcopyDecoder().push(muxed.body).map((f) => [f.stream, f.data.toString()]), [[1, 'out\n'], [2, 'err\n']]);
  assert.deepEqual(opts, { follow: false, stdout: true, stderr: true, since: 1700000000.5, until: undefined, timestamps: true, tail: 5, signal: undefined });
  tty = true;
  const raw = await call(srv.socketPath, 'GET', '/containers/c1/logs?stdout=1&tail=all');
  assert.equal(raw.headers['content-type'], 'application/vnd.docker.raw-stream');
  assert.equal(raw.text, 'out\nerr\n');
});

test('attach: hijacked, output framed, stdin relayed, half-close closes stdin, disconnect detaches', async (t) => {
  const fake = fakeSession();
  let attachOpts: unknown;
  const engine = fakeEngine({
    containers: {
      inspect: async () => inspectOf(false),
      attach: async (_ref, o) => {
        attachOpts = o;
        return fake.session;
      },
    },
  });
  const srv = await startServer(engine);
  t.after(() => srv.close());
  const { socket, head, rest } = await rawRequest(
    srv.socketPath,
    'POST /v1.47/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    'typed',
  );
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
  assert.deepEqual(attachOpts, { stdin: true, stdout: true, stderr: true, logs: false, detachKeys: undefined });
  const all = readAll(socket, rest);
  fake.emit(1, 'o');
  fake.emit(2, 'e');
  socket.end();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(Buffer.concat(fake.stdin).toString(), 'typed');
  assert.deepEqual(fake.events, ['closeStdin']);
  fake.finish(0);
  assert.deepEqual(new StdcopyDecoder().push(await all).map((f) => [f.stream, f.data.toString()]), [[1, 'o'], [2, 'e']]);

  // A client that goes away detaches the session.
  const second = fakeSession();
  fake.session = second.session;
  const conn = await rawRequest(srv.socketPath, 'POST /containers/c1/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  conn.socket.destroy();
  // As dockerd, the server learns of it when its writes fail (the client's end of input alone is no disconnect).
  for (let i = 0; i < 100 && !second.events.includes('close'); i++) {
    second.emit(1, 'x');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(second.events, ['close']);
});

test('exec: create needs a Cmd, start Detach is 200 empty, start hijacks with the tty\'s raw stream', async (t) => {
  const fake = fakeSession();
  const engine = fakeEngine({
    exec: {
      create: async () => ({ Id: 'e1' }),
      inspect: async () => ({ OpenStdin: false }) as never,
      start: async (_id, opts) => (opts.Detach ? undefined : fake.session),
    },
  });
  const srv = await startServer(engine);
  t.after(() => srv.close());
  assert.equal((await call(srv.socketPath, 'POST', '/containers/c1/exec', { Cmd: [] })).status, 400);
  const created = await call(srv.socketPath, 'POST', '/containers/c1/exec', { Cmd: ['ls'] });
  assert.deepEqual([created.status, JSON.parse(created.text)], [201, { Id: 'e1' }]);
  const detached = await call(srv.socketPath, 'POST', '/exec/e1/start', { Detach: true });
  assert.deepEqual([detached.status, detached.text], [200, '']);
  const body = JSON.stringify({ Tty: true });
  const { socket, head, rest } = await rawRequest(
    srv.socketPath,
    `POST /v1.47/exec/e1/start HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    body,
  );
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
  assert.match(head, /application\/vnd\.docker\.raw-stream/);
  const all = readAll(socket, rest);
  fake.emit(1, 'tty output');
  fake.finish(0);
  assert.equal((await all).toString(), 'tty output');
});

test('archive: stat header on HEAD and GET, tar body; stats stream and one-shot', async (t) => {
  const stat = { name: 'etc', size: 4096, mode: 2147484141, mtime: '2024-01-01T00:00:00Z', linkTarget: '' };
  const sample = (n: number) => ({ read: `t${n}` }) as never;
  const engine = fakeEngine({
    containers: {
      archiveStat: async () => stat,
      archiveGet: async () => ({ stat, tar: Readable.from([Buffer.from('TAR')]) }),
      stats: (_ref, o) =>
        (async function* () {
          yield sample(1);
          if (o.stream) yield sample(2);
        })(),
    },
  });
  const srv = await startServer(engine);
  t.after(() => srv.close());
  const head = await call(srv.socketPath, 'HEAD', '/containers/c1/archive?path=/etc');
  assert.equal(head.status, 200);
  assert.deepEqual(JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()), stat);
  const got = await call(srv.socketPath, 'GET', '/containers/c1/archive?path=/etc');
  assert.deepEqual([got.headers['content-type'], got.text], ['application/x-tar', 'TAR']);
  assert.equal((await call(srv.socketPath, 'GET', '/containers/c1/archive')).status, 400);
  const streamed = await call(srv.socketPath, 'GET', '/containers/c1/stats');
  assert.deepEqual(streamed.text.trim().split('\n').map((l) => JSON.parse(l).read), ['t1', 't2']);
  const one = await call(srv.socketPath, 'GET', '/containers/c1/stats?stream=false&one-shot=true');
  assert.deepEqual(JSON.parse(one.text), { read: 't1' });
});
