// The Engine interface's networks, volumes and system parts in-process
// (engine/local): docker's shapes, filters, error texts and the events they emit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine, EngineEvent } from '../../../src/engine/api.js';
import { errorCode } from '../../../src/errdefs/index.js';
import { missingPrereq } from './helpers.js';

const skip = missingPrereq();

async function withEngine(fn: (e: Engine, root: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-engine-api-'));
  const engine = await openLocalEngine({ root: join(dir, 'root'), runroot: join(dir, 'run') });
  try {
    await fn(engine, join(dir, 'root'));
  } finally {
    // user networks' bridges are removed with the networks
    for (const n of await engine.networks.list({ type: ['custom'] }).catch(() => [])) await engine.networks.remove(n.Id).catch(() => undefined);
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rejectsWith = (p: Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.equal(errorCode(err), code);
    assert.match((err as Error).message, message);
    return true;
  });

async function collect(it: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

test('volumes: Volume JSON, list filters, in-use and force, anonymous prune unless all', { skip }, async () => {
  await withEngine(async (e) => {
    const named = await e.volumes.create({ Name: 'data', Labels: { team: 'a' } });
    assert.deepEqual(Object.keys(named), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(named.Scope, 'local');
    assert.match(named.Mountpoint, /\/volumes\/data\/_data$/);
    const anon = await e.volumes.create({});
    assert.match(anon.Name, /^[0-9a-f]{64}$/);
    await rejectsWith(e.volumes.create({ Name: 'x', Driver: 'nfs' }), 'not-found', /plugin "nfs" not found/);

    assert.deepEqual((await e.volumes.list({ label: ['team=a'] })).Volumes.map((v) => v.Name), ['data']);
    assert.deepEqual((await e.volumes.list({ name: ['dat'] })).Volumes.map((v) => v.Name), ['data']);
    assert.equal((await e.volumes.list({ dangling: ['true'] })).Volumes.length, 2);
    assert.equal((await e.volumes.list({ dangling: ['false'] })).Volumes.length, 0);
    await rejectsWith(e.volumes.list({ bogus: ['1'] }), 'invalid-argument', /^invalid filter 'bogus'$/);
    await rejectsWith(e.volumes.inspect('nope'), 'not-found', /^get nope: no such volume$/);
    await e.volumes.remove('nope', { force: true });

    const pruned = await e.volumes.prune();
    assert.deepEqual(pruned.VolumesDeleted, [anon.Name]);
    assert.deepEqual((await e.volumes.prune({ all: ['true'], 'label!': ['team=a'] })).VolumesDeleted, []);
    assert.deepEqual((await e.volumes.prune({ all: ['true'] })).VolumesDeleted, ['data']);
  });
});

test('networks: bridge with IPAM config, create checks and duplicates, filters, prune by label', { skip }, async () => {
  await withEngine(async (e) => {
    const bridge = await e.networks.inspect('bridge');
    assert.equal(bridge.Driver, 'bridge');
    assert.match(bridge.IPAM.Config[0]!.Subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    assert.match(bridge.IPAM.Config[0]!.Gateway, /^\d+\.\d+\.\d+\.\d+$/);

    const created = await e.networks.create({ Name: 'apinet', IPAM: { Config: [{ Subnet: '10.134.7.0/24' }] }, Labels: { keep: 'no' }, Options: { 'com.docker.network.bridge.name': 'gtest-api0' } });
    assert.match(created.Id, /^[0-9a-f]{64}$/);
    assert.equal(created.Warning, '');
    await rejectsWith(e.networks.create({ Name: 'apinet' }), 'already-exists', /^network with name apinet already exists$/);
    await rejectsWith(e.networks.create({ Name: 'x', Driver: 'overlay' }), 'not-found', /plugin "overlay" not found/);
    const net = await e.networks.inspect(created.Id.slice(0, 12));
    assert.deepEqual(net.IPAM.Config, [{ Subnet: '10.134.7.0/24', Gateway: '10.134.7.1' }]);
    assert.deepEqual(net.Containers, {});
    assert.deepEqual((await e.networks.list({ label: ['keep'] })).map((n) => n.Name), ['apinet']);
    assert.deepEqual((await e.networks.list({ type: ['builtin'] })).map((n) => n.Name), ['bridge', 'host', 'none']);
    await rejectsWith(e.networks.inspect('nope'), 'not-found', /^network nope not found$/);
    await rejectsWith(e.networks.prune({ bogus: ['1'] }), 'invalid-argument', /invalid filter 'bogus'/);

    assert.deepEqual((await e.networks.prune({ label: ['keep=yes'] })).NetworksDeleted, []);
    assert.deepEqual((await e.networks.prune({ label: ['keep=no'] })).NetworksDeleted, ['apinet']);
    await rejectsWith(e.networks.remove('bridge'), 'failed-precondition', /^bridge is a pre-defined network and cannot be removed$/);
  });
});

test('events: replay with since/until, filters, live follow that ends on the signal', { skip }, async () => {
  await withEngine(async (e) => {
    const t0 = Date.now() / 1000;
    await e.volumes.create({ Name: 'ev1' });
    const net = await e.networks.create({ Name: 'evnet', Options: { 'com.docker.network.bridge.name': 'gtest-ev0' } });
    await e.networks.remove('evnet');
    await e.volumes.remove('ev1');
    const t1 = Date.now() / 1000 + 0.001;

    const past = await collect(e.system.events({ since: t0, until: t1 }));
    assert.deepEqual(past.map((ev) => `${ev.Type} ${ev.Action} ${ev.Actor.ID}`), ['volume create ev1', `network create ${net.Id}`, `network destroy ${net.Id}`, 'volume destroy ev1']);
    assert.deepEqual(past[1]!.Actor.Attributes, { name: 'evnet', type: 'bridge' });
    assert.deepEqual(past[0]!.Actor.Attributes, { driver: 'local' });
    const onlyNetworks = await collect(e.system.events({ since: t0, until: t1, filters: { type: ['network'], event: ['destroy'] } }));
    assert.deepEqual(onlyNetworks.map((ev) => ev.Actor.ID), [net.Id]);
    assert.deepEqual((await collect(e.system.events({ since: t0, until: t1, filters: { volume: ['ev1'], event: ['create'] } }))).length, 1);
    await assert.rejects(collect(e.system.events({ since: t0, until: t1, filters: { nope: ['x'] } })), /invalid filter 'nope'/);

    // Live: no since, so only what happens after subscribing; a second engine on the same root is another process's view.
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of e.system.events({ signal: ac.signal, filters: { type: ['volume'] } })) {
        seen.push(`${ev.Action} ${ev.Actor.ID}`);
        if (seen.length === 2) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await e.volumes.create({ Name: 'live1' });
    await e.networks.create({ Name: 'livenet', Options: { 'com.docker.network.bridge.name': 'gtest-ev1' } });
    await e.volumes.remove('live1');
    await done;
    assert.deepEqual(seen, ['create live1', 'destroy live1']);

    // A signal that fires with nothing to read still ends the stream.
    const idle = new AbortController();
    setTimeout(() => idle.abort(), 100);
    assert.deepEqual(await collect(e.system.events({ signal: idle.signal })), []);
  });
});

test('system: version, info and df in docker shapes', { skip }, async () => {
  await withEngine(async (e, root) => {
    const v = await e.system.version();
    assert.equal(v.ApiVersion, '1.47');
    assert.equal(v.MinAPIVersion, '1.24');
    assert.equal(v.Components[0]!.Name, 'Engine');
    assert.equal(v.Os, 'linux');
    assert.deepEqual(await e.system.ping(), { apiVersion: '1.47', osType: 'linux' });
    const info = await e.system.info();
    assert.equal(info.DockerRootDir, root);
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.match(info.CgroupVersion, /^[12]$/);
    assert.ok(info.NCPU > 0 && info.MemTotal > 0);
    assert.match(info.ID, /^[0-9a-f-]{36}$/);
    assert.equal((await e.system.info()).ID, info.ID, 'the engine ID is kept');
    await e.volumes.create({ Name: 'dfvol' });
    const df = await e.system.df();
    assert.deepEqual(df.BuildCache, []);
    assert.deepEqual(df.Volumes.map((x) => [x.Name, x.UsageData]), [['dfvol', { Size: 0, RefCount: 0 }]]);
    assert.deepEqual((await e.system.df({ type: ['image'] })).Volumes, []);
    assert.deepEqual(await e.system.buildPrune(), { CachesDeleted: [], SpaceReclaimed: 0 });
  });
});
