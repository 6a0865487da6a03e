import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInspect, Volume } from '../../../src/engine/api.js';
import { conflict } from '../../../src/errdefs/index.js';
import { networkRoutes } from '../../../src/api/docker/routes/networks.js';
import { volumeRoutes } from '../../../src/api/docker/routes/volumes.js';
import { startServer } from './routes-harness.js';

const NET_ID = 'f'.repeat(64);
const network = {
  Name: 'mynet',
  Id: NET_ID,
  Containers: { ['c'.repeat(64)]: { Name: 'web', EndpointID: 'e', MacAddress: '', IPv4Address: '10.88.1.2/24', IPv6Address: '' } },
} as unknown as NetworkInspect;
const volume: Volume = { Name: 'data', Driver: 'local', Mountpoint: '/var/lib/gantry/volumes/data/_data', CreatedAt: '2026-01-01T00:00:00Z', Labels: null, Scope: 'local', Options: null };
const encodeFilters = (f: object) => encodeURIComponent(JSON.stringify(f));

test('networks: list (no Containers from API 1.28), inspect verbose, create 201, remove 204, connect/disconnect 200, prune', async () => {
  const s = await startServer(networkRoutes, {
    networks: {
      list: async () => [network],
      inspect: async () => network,
      create: async () => ({ Id: NET_ID, Warning: '' }),
      remove: async () => undefined,
      connect: async () => undefined,
      disconnect: async () => undefined,
      prune: async () => ({ NetworksDeleted: ['mynet'] }),
    },
  });
  try {
    const list = await s.call('GET', `/v1.47/networks?filters=${encodeFilters({ name: ['my'] })}`);
    assert.deepEqual((list.json() as NetworkInspect[])[0]!.Containers, {});
    const old = await s.call('GET', '/v1.27/networks');
    assert.deepEqual((old.json() as NetworkInspect[])[0]!.Containers, network.Containers);
    assert.deepEqual((await s.call('GET', '/networks/mynet?verbose=true')).json(), network);
    const swarm = await s.call('GET', '/networks/mynet?scope=swarm');
    assert.equal(swarm.status, 404);
    assert.deepEqual(swarm.json(), { message: 'network mynet not found' });
    const created = await s.call('POST', '/networks/create', { body: JSON.stringify({ Name: 'mynet', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.88.1.0/24' }] } }) });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json(), { Id: NET_ID, Warning: '' });
    assert.equal((await s.call('DELETE', '/networks/mynet')).status, 204);
    const connected = await s.call('POST', '/networks/mynet/connect', { body: JSON.stringify({ Container: 'web', EndpointConfig: { Aliases: ['w'] } }) });
    assert.equal(connected.status, 200);
    assert.equal(connected.text, '');
    assert.equal((await s.call('POST', '/networks/mynet/disconnect', { body: JSON.stringify({ Container: 'web', Force: true }) })).status, 200);
    assert.deepEqual((await s.call('POST', `/networks/prune?filters=${encodeFilters({ until: ['10m'] })}`)).json(), { NetworksDeleted: ['mynet'] });
    assert.deepEqual(
      s.calls.map((c) => [c.method, ...c.args]),
      [
        ['networks.list', { name: ['my'] }],
        ['networks.list', {}],
        ['networks.inspect', 'mynet', { verbose: true }],
        ['networks.create', { Name: 'mynet', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.88.1.0/24' }] } }],
        ['networks.remove', 'mynet'],
        ['networks.connect', 'mynet', { Container: 'web', EndpointConfig: { Aliases: ['w'] } }],
        ['networks.disconnect', 'mynet', { Container: 'web', Force: true }],
        ['networks.prune', { until: ['10m'] }],
      ],
    );
  } finally {
    await s.close();
  }
});

test('networks: a malformed create body is a 400 and never reaches the engine', async () => {
  const s = await startServer(networkRoutes, {});
  try {
    assert.equal((await s.call('POST', '/networks/create', { body: '{"Name":' })).status, 400);
    assert.equal(s.calls.length, 0);
  } finally {
    await s.close();
  }
});

test('volumes: list, create 201, inspect, remove 204 with force, prune', async () => {
  const s = await startServer(volumeRoutes, {
    volumes: {
      list: async () => ({ Volumes: [volume], Warnings: null }),
      create: async () => volume,
      inspect: async () => volume,
      remove: async () => undefined,
      prune: async () => ({ VolumesDeleted: ['data'], SpaceReclaimed: 4096 }),
    },
  });
  try {
    assert.deepEqual((await s.call('GET', `/volumes?filters=${encodeFilters({ dangling: ['true'] })}`)).json(), { Volumes: [volume], Warnings: null });
    const created = await s.call('POST', '/volumes/create', { body: JSON.stringify({ Name: 'data', Labels: { a: 'b' } }) });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json(), volume);
    assert.deepEqual((await s.call('GET', '/volumes/data')).json(), volume);
    assert.equal((await s.call('DELETE', '/volumes/data?force=1')).status, 204);
    assert.deepEqual((await s.call('POST', '/v1.47/volumes/prune')).json(), { VolumesDeleted: ['data'], SpaceReclaimed: 4096 });
    assert.deepEqual(
      s.calls.map((c) => [c.method, ...c.args]),
      [
        ['volumes.list', { dangling: ['true'] }],
        ['volumes.create', { Name: 'data', Labels: { a: 'b' } }],
        ['volumes.inspect', 'data'],
        ['volumes.remove', 'data', { force: true }],
        ['volumes.prune', {}],
      ],
    );
  } finally {
    await s.close();
  }
});

test('volumes: prune from a client older than API 1.42 takes every unused volume (all=true), as dockerd does', async () => {
  const s = await startServer(volumeRoutes, { volumes: { prune: async () => ({ VolumesDeleted: null, SpaceReclaimed: 0 }) } });
  try {
    await s.call('POST', `/v1.41/volumes/prune?filters=${encodeFilters({ label: ['a'] })}`);
    assert.deepEqual(s.calls[0]!.args, [{ label: ['a'], all: ['true'] }]);
  } finally {
    await s.close();
  }
});

test('volumes: in-use removal keeps the engine conflict (409); PUT (cluster volumes) is refused as without swarm', async () => {
  const s = await startServer(volumeRoutes, {
    volumes: {
      remove: async (n) => {
        throw conflict(`remove ${n}: volume is in use - [${'c'.repeat(64)}]`);
      },
    },
  });
  try {
    const busy = await s.call('DELETE', '/volumes/data');
    assert.equal(busy.status, 409);
    assert.match((busy.json() as { message: string }).message, /volume is in use/);
    const put = await s.call('PUT', '/v1.47/volumes/data?version=1', { body: '{"Spec":{}}' });
    assert.equal(put.status, 503);
    assert.match((put.json() as { message: string }).message, /not a swarm manager/);
  } finally {
    await s.close();
  }
});
