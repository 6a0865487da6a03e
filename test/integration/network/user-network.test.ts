// Two containers on a user-defined network reach each other by name and alias;
// on the default bridge they do not; network CRUD and connect/disconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_LEFTOVERS, inContainer, leftovers, makeEnv, missingPrereq, readText, startHttpd, stopHttpd, type NetEnv } from './helpers.js';

const skip = missingPrereq();
let env: NetEnv;

before(async () => {
  if (!skip) env = await makeEnv('gtest-un0', '10.124.0.0/16');
});
after(async () => {
  if (env) await env.cleanup();
});

test('containers on a user network talk by name and alias; default bridge has no names', { skip }, async () => {
  const net = await env.svc.create({ name: 'appnet', subnet: '10.125.7.0/24', labels: { tier: 'test' } });
  assert.equal(net.IPAM.Config[0]!.Gateway, '10.125.7.1');
  let httpd: Awaited<ReturnType<typeof startHttpd>> | undefined;
  const ids = ['c1aaaaaaaaaaaaaa', 'c2bbbbbbbbbbbbbb', 'c3cccccccccccccc', 'c4dddddddddddddd'];
  try {
    const web = await env.svc.setupContainer({ containerId: ids[0]!, containerName: 'web', hostname: 'web', networks: [{ name: 'appnet', aliases: ['frontend'] }], ports: [] });
    const cli = await env.svc.setupContainer({ containerId: ids[1]!, containerName: 'client', hostname: 'client', networks: [{ name: 'appnet', ip: '10.125.7.77' }], ports: [] });
    assert.equal(cli.settings.Networks.appnet!.IPAddress, '10.125.7.77');
    assert.deepEqual(web.settings.Networks.appnet!.DNSNames, ['web', 'frontend', ids[0]!.slice(0, 12)]);
    // The earlier container's hosts file was rewritten when the second joined.
    assert.match(await readText(web.hostsPath), /^10\.125\.7\.77\tclient /m);
    httpd = await startHttpd(web.netnsPath, 'hello-by-name\n');
    await inContainer(cli.netnsPath, cli.hostsPath, ['ping', '-c1', '-W5', 'web']);
    await inContainer(cli.netnsPath, cli.hostsPath, ['ping', '-c1', '-W5', 'frontend']);
    const { stdout } = await inContainer(cli.netnsPath, cli.hostsPath, ['wget', '-q', '-O-', 'http://web/']);
    assert.equal(stdout, 'hello-by-name\n');

    const inspected = await env.svc.inspect('appnet');
    assert.deepEqual(Object.keys(inspected.Containers).sort(), ids.slice(0, 2));
    await assert.rejects(env.svc.remove('appnet'), new RegExp(`error while removing network: network appnet id ${net.Id} has active endpoints`));

    // Default bridge: addresses but no peer names.
    const b1 = await env.svc.setupContainer({ containerId: ids[2]!, containerName: 'b1', hostname: 'b1', networks: [{ name: 'bridge' }], ports: [] });
    const b2 = await env.svc.setupContainer({ containerId: ids[3]!, containerName: 'b2', hostname: 'b2', networks: [{ name: 'bridge' }], ports: [] });
    assert.doesNotMatch(b2.hosts, /\bb1\b/);
    assert.equal(b1.settings.IPAddress.startsWith('10.124.'), true);
    await assert.rejects(inContainer(b2.netnsPath, b2.hostsPath, ['ping', '-c1', '-W2', 'b1']));
    await inContainer(b2.netnsPath, b2.hostsPath, ['ping', '-c1', '-W5', b1.settings.IPAddress]);

    // connect puts b2 on appnet: it now resolves web, and web resolves b2.
    const connected = await env.svc.connect(ids[3]!, 'appnet', { aliases: ['late'] });
    assert.equal(connected.settings.Networks.appnet!.IPAddress.startsWith('10.125.7.'), true);
    await inContainer(b2.netnsPath, b2.hostsPath, ['ping', '-c1', '-W5', 'web']);
    assert.match(await readText(web.hostsPath), /\tb2 late /);
    await assert.rejects(env.svc.connect(ids[3]!, 'appnet'), /endpoint with name b2 already exists in network appnet/);
    await env.svc.disconnect(ids[3]!, 'appnet');
    assert.doesNotMatch(await readText(web.hostsPath), /\tb2 /);
    await assert.rejects(env.svc.disconnect(ids[3]!, 'appnet'), /is not connected to network appnet/);

    for (const id of ids) await env.svc.teardownContainer(id);
    await env.svc.teardownContainer(ids[0]!); // idempotent
    assert.deepEqual(await leftovers(env, ids, ['10.125.7.2', '10.125.7.77', b1.settings.IPAddress, b2.settings.IPAddress]), EMPTY_LEFTOVERS);
    await env.svc.remove('appnet');
  } finally {
    await stopHttpd(httpd);
    for (const id of ids) await env.svc.teardownContainer(id).catch(() => undefined);
  }
});

test('network create/ls/inspect/rm/prune behave like docker', { skip }, async () => {
  await assert.rejects(env.svc.create({ name: 'bridge' }), /network with name bridge already exists/);
  const a = await env.svc.create({ name: 'n-a', internal: true, options: { 'com.docker.network.bridge.name': 'gtest-una' } });
  await assert.rejects(env.svc.create({ name: 'n-a' }), /network with name n-a already exists/);
  await assert.rejects(env.svc.create({ name: 'n-b', subnet: a.IPAM.Config[0]!.Subnet }), /Pool overlaps/);
  const b = await env.svc.create({ name: 'n-b', subnet: '10.125.9.0/24', gateway: '10.125.9.254', ipRange: '10.125.9.128/25', labels: { x: '1' } });
  assert.deepEqual(b.IPAM.Config, [{ Subnet: '10.125.9.0/24', Gateway: '10.125.9.254', IPRange: '10.125.9.128/25' }]);
  assert.equal(a.Internal, true);
  assert.equal(a.Options['com.docker.network.bridge.name'], 'gtest-una');
  const names = (await env.svc.list()).map((n) => n.Name);
  assert.deepEqual(names, ['bridge', 'host', 'n-a', 'n-b', 'none']);
  assert.deepEqual((await env.svc.list({ label: ['x=1'] })).map((n) => n.Name), ['n-b']);
  assert.deepEqual((await env.svc.list({ type: ['builtin'] })).map((n) => n.Name), ['bridge', 'host', 'none']);
  assert.equal((await env.svc.inspect(b.Id.slice(0, 12))).Name, 'n-b');
  assert.equal((await env.svc.inspect('host')).Driver, 'host');
  await assert.rejects(env.svc.inspect('nope'), /network nope not found/);
  await assert.rejects(env.svc.remove('bridge'), /bridge is a pre-defined network and cannot be removed/);
  await assert.rejects(env.svc.remove('none'), /none is a pre-defined network and cannot be removed/);
  assert.deepEqual((await env.svc.prune()).sort(), ['n-a', 'n-b']);
  assert.deepEqual((await env.svc.list()).map((n) => n.Name), ['bridge', 'host', 'none']);
});
