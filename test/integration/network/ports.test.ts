// Published ports answer real HTTP requests from the host, on 127.0.0.1 and on
// the host's own address; taken ports fail before anything is set up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EMPTY_LEFTOVERS, hostAddress, httpGet, leftovers, makeEnv, missingPrereq, startHttpd, stopHttpd, type NetEnv } from './helpers.js';

const skip = missingPrereq();
let env: NetEnv;

before(async () => {
  if (!skip) env = await makeEnv('gtest-pt0', '10.126.0.0/16');
});
after(async () => {
  if (env) await env.cleanup();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '0.0.0.0', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('published port answers HTTP on 127.0.0.1 and the host address', { skip }, async () => {
  const id = 'p1eeeeeeeeeeeeee';
  const port = await freePort();
  let httpd: Awaited<ReturnType<typeof startHttpd>> | undefined;
  try {
    const c = await env.svc.setupContainer({ containerId: id, containerName: 'webp', hostname: 'webp', networks: [{ name: 'bridge' }], ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }, { containerPort: 81, protocol: 'udp' }] });
    assert.deepEqual(c.settings.Ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(port) }]);
    const udpPort = Number(c.settings.Ports['81/udp']![0]!.HostPort);
    assert.ok(udpPort > 0);
    httpd = await startHttpd(c.netnsPath, 'published\n');
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'published\n');
    const addr = hostAddress();
    if (addr) assert.equal(await httpGet(`http://${addr}:${port}/`), 'published\n');

    // Taken by another container.
    await assert.rejects(
      env.svc.setupContainer({ containerId: 'p2ffffffffffffff', containerName: 'x', hostname: 'x', networks: [{ name: 'bridge' }], ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }] }),
      new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`),
    );
    await stopHttpd(httpd);
    httpd = undefined;
    await env.svc.teardownContainer(id);
    assert.deepEqual(await leftovers(env, [id, 'p2ffffffffffffff'], [c.settings.IPAddress]), EMPTY_LEFTOVERS);
  } finally {
    await stopHttpd(httpd);
    await env.svc.teardownContainer(id).catch(() => undefined);
  }
});

test('a port a host process listens on is refused before setup', { skip }, async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    await assert.rejects(
      env.svc.setupContainer({ containerId: 'p3aaaaaaaaaaaaaa', containerName: 'y', hostname: 'y', networks: [{ name: 'bridge' }], ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }] }),
      new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`),
    );
    assert.deepEqual(await leftovers(env, ['p3aaaaaaaaaaaaaa'], []), EMPTY_LEFTOVERS);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

test('a setup that fails after claiming its host port gives the claim back', { skip }, async () => {
  const [holder, failing, next] = ['p5aaaaaaaaaaaaaa', 'p6bbbbbbbbbbbbbb', 'p7cccccccccccccc'];
  const port = await freePort();
  const ip = '10.126.7.7';
  try {
    await env.svc.setupContainer({ containerId: holder, containerName: 'h', hostname: 'h', networks: [{ name: 'bridge', ip }], ports: [] });
    // Its ports are claimed before its address is leased; the address is taken.
    await assert.rejects(
      env.svc.setupContainer({ containerId: failing, containerName: 'f', hostname: 'f', networks: [{ name: 'bridge', ip }], ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }] }),
      /requested IP address 10\.126\.7\.7 is not available/,
    );
    const c = await env.svc.setupContainer({ containerId: next, containerName: 'n', hostname: 'n', networks: [{ name: 'bridge' }], ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }] });
    assert.equal(c.settings.Ports['80/tcp']![0]!.HostPort, String(port));
  } finally {
    for (const id of [holder, failing, next]) await env.svc.teardownContainer(id).catch(() => undefined);
  }
  assert.deepEqual(await leftovers(env, [holder, failing, next], [ip]), EMPTY_LEFTOVERS);
});

test('the CNI path for the default bridge (fast path off) publishes ports too', { skip }, async () => {
  const cniEnv = await makeEnv('gtest-pt1', '10.132.0.0/16', { fastDefaultBridge: false });
  const id = 'p4cccccccccccccc';
  let httpd: Awaited<ReturnType<typeof startHttpd>> | undefined;
  try {
    const c = await cniEnv.svc.setupContainer({ containerId: id, containerName: 'cnip', hostname: 'cnip', networks: [{ name: 'bridge' }], ports: [{ containerPort: 80, protocol: 'tcp' }] });
    const port = c.settings.Ports['80/tcp']![0]!.HostPort;
    httpd = await startHttpd(c.netnsPath, 'via-cni\n');
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'via-cni\n');
    await stopHttpd(httpd);
    httpd = undefined;
    await cniEnv.svc.teardownContainer(id);
    assert.deepEqual(await leftovers(cniEnv, [id], [c.settings.IPAddress]), EMPTY_LEFTOVERS);
  } finally {
    await stopHttpd(httpd);
    await cniEnv.cleanup();
  }
});
