// The Docker API server's core: routing (versioned and bare paths, rest-of-path
// names), dockerd's version checks and texts, identity headers, error bodies,
// query parsing, ping, and hijacked connections with stdcopy framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { fakeEngine, startServer, call, rawRequest, readAll } from './fake-engine.js';
import { Router } from '../../../src/api/docker/router.js';
import { boolParam, filtersParam, intParam } from '../../../src/api/docker/query.js';
import { StdcopyDecoder, stdcopyFrame } from '../../../src/api/docker/stdcopy.js';
import { notFound, conflict } from '../../../src/errdefs/index.js';
import type { Route } from '../../../src/api/docker/route.js';
import { parseListenAddress } from '../../../src/api/docker/listen.js';

const noop = async () => undefined;

test('router: literal routes beat parameters, {name*} takes slashes, the longer literal tail wins', () => {
  const routes: Route[] = [
    { method: 'GET', path: '/images/{name*}/json', handler: noop },
    { method: 'DELETE', path: '/images/{name*}', handler: noop },
    { method: 'GET', path: '/images/json', handler: noop },
    { method: 'GET', path: '/containers/{id}/json', handler: noop },
    { method: 'GET', path: '/containers/json', handler: noop },
  ];
  const r = new Router(routes);
  assert.equal(r.match('GET', '/images/json')?.route, routes[2]);
  assert.deepEqual(r.match('GET', '/v1.47/images/localhost:5000/a/b:tag/json')?.params, { name: 'localhost:5000/a/b:tag' });
  assert.equal(r.match('GET', '/v1.47/images/localhost:5000/a/b:tag/json')?.version, '1.47');
  assert.deepEqual(r.match('DELETE', '/images/a%2Fb/c')?.params, { name: 'a/b/c' });
  assert.equal(r.match('GET', '/containers/json')?.route, routes[4]);
  assert.deepEqual(r.match('GET', '/v1.24/containers/abc/json')?.params, { id: 'abc' });
  assert.equal(r.match('GET', '/containers/a/b/json'), undefined);
  assert.equal(r.match('POST', '/containers/json'), undefined);
});

test('query: docker\'s bool, int and both filter forms', () => {
  const q = new URLSearchParams('a=1&b=false&c=True&d=&e=no&f=x&n=12&bad=1x');
  assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => boolParam(q, k)), [true, false, true, false, false, true]);
  assert.equal(boolParam(q, 'missing', true), true);
  assert.equal(intParam(q, 'n'), 12);
  assert.equal(intParam(q, 'missing'), undefined);
  assert.throws(() => intParam(q, 'bad'), { code: 'invalid-argument' });
  assert.deepEqual(filtersParam(new URLSearchParams({ filters: '{"status":{"running":true},"label":["a=b"]}' })), { status: ['running'], label: ['a=b'] });
  assert.deepEqual(filtersParam(new URLSearchParams()), {});
  assert.throws(() => filtersParam(new URLSearchParams({ filters: '{' })), { code: 'invalid-argument' });
});

test('stdcopy: frames round-trip through the decoder, split anywhere', () => {
  const wire = Buffer.concat([stdcopyFrame(1, Buffer.from('out')), stdcopyFrame(2, Buffer.from('err!'))]);
  assert.deepEqual([...wire.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 3]);
  const d = new StdcopyDecoder();
  const frames = [...d.push(wire.subarray(0, 5)), ...d.push(wire.subarray(5, 13)), ...d.push(wire.subarray(13))];
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[1, 'out'], [2, 'err!']]);
});

test('listen addresses: unix and tcp forms', () => {
  assert.deepEqual(parseListenAddress('unix:///run/x.sock'), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseListenAddress('tcp://127.0.0.1:2375'), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.throws(() => parseListenAddress('unix://rel.sock'), { code: 'invalid-argument' });
  assert.throws(() => parseListenAddress('/x.sock'), { code: 'invalid-argument' });
});

test('server: ping, identity headers, versions, errors and unknown routes', async (t) => {
  const engine = fakeEngine({
    containers: {
      inspect: async (ref) => {
        if (ref === 'busy') throw conflict('Conflict. The container name "/busy" is already in use');
        throw notFound(`No such container: ${ref}`);
      },
    },
  });
  const routes: Route[] = [
    ...(await import('../../../src/api/docker/routes/system.js')).systemRoutes,
    { method: 'GET', path: '/containers/{id}/json', handler: async (ctx) => ctx.send(await ctx.engine.containers.inspect(ctx.params.id!)) },
    { method: 'POST', path: '/echo', handler: async (ctx) => ctx.send({ body: await ctx.json(), version: ctx.version }, 201) },
    { method: 'POST', path: '/new', minVersion: '1.40', handler: async (ctx) => ctx.empty() },
  ];
  const srv = await startServer(engine, routes);
  t.after(() => srv.close());
  assert.equal(statSync(srv.socketPath).mode & 0o777, 0o660);

  const ping = await call(srv.socketPath, 'GET', '/_ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.text, 'OK');
  assert.equal(ping.headers['api-version'], '1.47');
  assert.match(String(ping.headers.server), /^Docker\/\S+ \(linux\)$/);
  assert.equal(ping.headers.ostype, 'linux');
  assert.equal(ping.headers['docker-experimental'], 'false');
  assert.equal(ping.headers.swarm, 'inactive');
  assert.equal(ping.headers['builder-version'], '1');
  assert.equal((await call(srv.socketPath, 'HEAD', '/v1.47/_ping')).status, 200);

  const old = await call(srv.socketPath, 'GET', '/v1.23/_ping');
  assert.equal(old.status, 400);
  assert.deepEqual(JSON.parse(old.text), { message: 'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version' });
  const fresh = await call(srv.socketPath, 'GET', '/v1.48/_ping');
  assert.deepEqual([fresh.status, JSON.parse(fresh.text)], [400, { message: 'client version 1.48 is too new. Maximum supported API version is 1.47' }]);

  const missing = await call(srv.socketPath, 'GET', '/v1.41/containers/nope/json');
  assert.deepEqual([missing.status, JSON.parse(missing.text)], [404, { message: 'No such container: nope' }]);
  assert.equal(missing.headers['content-type'], 'application/json');
  assert.equal((await call(srv.socketPath, 'GET', '/containers/busy/json')).status, 409);
  const unknown = await call(srv.socketPath, 'GET', '/v1.47/nothing/here');
  assert.deepEqual([unknown.status, JSON.parse(unknown.text)], [404, { message: 'page not found' }]);
  assert.equal(unknown.headers['api-version'], '1.47');
  const notImpl = await call(srv.socketPath, 'GET', '/version');
  assert.equal(notImpl.status, 501);

  const echo = await call(srv.socketPath, 'POST', '/v1.30/echo', { a: 1 });
  assert.deepEqual([echo.status, JSON.parse(echo.text)], [201, { body: { a: 1 }, version: '1.30' }]);
  assert.deepEqual(JSON.parse((await call(srv.socketPath, 'POST', '/echo')).text), { body: {}, version: '1.47' });
  const bad = await call(srv.socketPath, 'POST', '/echo', Buffer.from('{nope'));
  assert.equal(bad.status, 400);
  assert.equal((await call(srv.socketPath, 'POST', '/v1.39/new')).status, 404);
  assert.equal((await call(srv.socketPath, 'POST', '/v1.40/new')).status, 204);
});

/** A route that hijacks and echoes stdin back as stdout frames, and reports stdin's end as a stderr frame. */
const echoRoute = (events: string[]): Route => ({
  method: 'POST',
  path: '/echo/{tty}/attach',
  async handler(ctx) {
    const tty = ctx.params.tty === 'tty';
    const conn = ctx.hijack(!tty);
    conn.on('data', (d: Buffer) => conn.write(tty ? d : stdcopyFrame(1, d)));
    conn.on('end', () => {
      events.push('stdin-closed');
      conn.end(tty ? undefined : stdcopyFrame(2, Buffer.from('bye')));
    });
    conn.on('close', () => events.push('closed'));
  },
});

test('hijack: Upgrade: tcp gets 101 UPGRADED, stdin flows in, half-close ends stdin', async (t) => {
  const events: string[] = [];
  const srv = await startServer(fakeEngine(), [echoRoute(events)]);
  t.after(() => srv.close());
  const { socket, head, rest } = await rawRequest(
    srv.socketPath,
    'POST /v1.47/echo/mux/attach?stream=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
    'hello',
  );
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  assert.match(head, /Connection: Upgrade/);
  assert.match(head, /Upgrade: tcp/);
  const all = readAll(socket, rest);
  socket.end();
  const frames = new StdcopyDecoder().push(await all);
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[1, 'hello'], [2, 'bye']]);
  assert.ok(events.includes('stdin-closed'));
});

test('hijack: without Upgrade the answer is a 200 with the raw stream content type', async (t) => {
  const events: string[] = [];
  const srv = await startServer(fakeEngine(), [echoRoute(events)]);
  t.after(() => srv.close());
  const { socket, head, rest } = await rawRequest(srv.socketPath, 'POST /echo/tty/attach HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n\r\n', 'hi');
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.raw-stream/);
  assert.doesNotMatch(head, /Transfer-Encoding/i);
  assert.equal((await readAll(socket, rest)).toString(), 'hi');
});

test('hijack: an error before the hijack is an ordinary status on the upgraded connection', async (t) => {
  const srv = await startServer(fakeEngine(), [
    { method: 'POST', path: '/containers/{id}/attach', handler: async (ctx) => void (await ctx.engine.containers.attach(ctx.params.id!, {})) },
  ]);
  t.after(() => srv.close());
  const { socket, head, rest } = await rawRequest(srv.socketPath, 'POST /containers/x/attach HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 501 /);
  assert.match((await readAll(socket, rest)).toString(), /containers\.attach is not implemented/);
});
