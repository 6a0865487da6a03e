import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AuthConfig, EventsOptions, SystemDf } from '../../../src/engine/api.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { unauthorized } from '../../../src/errdefs/index.js';
import { eventsRoutes, parseEventTime } from '../../../src/api/docker/routes/events.js';
import { systemDfRoutes } from '../../../src/api/docker/routes/system-df.js';
import { authRoutes } from '../../../src/api/docker/routes/auth.js';
import { buildRoutes } from '../../../src/api/docker/routes/build.js';
import { startServer } from './routes-harness.js';

const event = (Type: EngineEvent['Type'], Action: string, attributes: Record<string, string>): EngineEvent => ({
  Type,
  Action,
  Actor: { ID: 'c'.repeat(64), Attributes: attributes },
  scope: 'local',
  time: 1700000000,
  timeNano: 1700000000123456789,
});

test('event times: unix seconds, fractional as the docker CLI sends them, or RFC 3339', () => {
  assert.equal(parseEventTime('since', '1700000000'), 1700000000);
  assert.equal(parseEventTime('since', '1700000000.500000000'), 1700000000.5);
  assert.equal(parseEventTime('since', '2023-11-14T22:13:20Z'), 1700000000);
  assert.equal(parseEventTime('since', null), undefined);
  assert.throws(() => parseEventTime('until', 'yesterday'), /invalid value for until/);
});

test('events: past events then the end at until, with the legacy status/id/from fields for containers and images', async () => {
  const s = await startServer(eventsRoutes, {
    system: {
      events: async function* () {
        yield event('container', 'start', { image: 'busybox', name: 'web' });
        yield event('image', 'pull', { name: 'busybox:latest' });
        yield event('network', 'create', { name: 'n', type: 'bridge' });
      },
    },
  });
  try {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], container: ['web'] }));
    const r = await s.call('GET', `/v1.47/events?since=1699999999.000000000&until=1700000001&filters=${filters}`);
    assert.equal(r.status, 200);
    const [c, i, n] = r.lines() as Record<string, unknown>[];
    assert.deepEqual(Object.keys(c!).slice(0, 4), ['status', 'id', 'from', 'Type']);
    assert.deepEqual([c!.status, c!.id, c!.from, c!.Action, c!.timeNano], ['start', 'c'.repeat(64), 'busybox', 'start', 1700000000123456789]);
    assert.deepEqual([i!.status, i!.id, i!.from], ['pull', 'c'.repeat(64), undefined]);
    assert.equal(n!.status, undefined);
    const opts = s.calls[0]!.args[0] as EventsOptions;
    assert.deepEqual([opts.since, opts.until, opts.filters], [1699999999, 1700000001, { type: ['container'], container: ['web'] }]);
  } finally {
    await s.close();
  }
});

test('events: an unknown filter or since after until is a 400 before the stream', async () => {
  const s = await startServer(eventsRoutes, { system: { events: async function* () {} } });
  try {
    const bad = await s.call('GET', `/events?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { message: "invalid filter 'colour'" });
    assert.equal((await s.call('GET', '/events?since=20&until=10')).status, 400);
    assert.equal(s.calls.length, 0);
  } finally {
    await s.close();
  }
});

test('events: headers go out before any event, and a client that leaves aborts the engine stream', async () => {
  let signal: AbortSignal | undefined;
  const s = await startServer(eventsRoutes, {
    system: {
      events: async function* (o: EventsOptions) {
        signal = o.signal;
        await new Promise((resolve) => o.signal?.addEventListener('abort', resolve));
      },
    },
  });
  try {
    // A raw request: the shared helper waits for the end of the body, which a live stream has not.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: s.socketPath, path: '/events', agent: false }, (res) => {
        resolve(res.statusCode ?? 0);
        setImmediate(() => req.destroy());
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => reject(new Error('no headers')), 5000).unref();
    });
    assert.equal(status, 200);
    await new Promise<void>((resolve) => {
      const poll = () => (signal?.aborted ? resolve() : setTimeout(poll, 10));
      poll();
    });
    assert.equal(signal?.aborted, true);
  } finally {
    await s.close();
  }
});

test('events: an engine failure mid-stream cuts the response instead of ending it cleanly', async () => {
  const s = await startServer(eventsRoutes, {
    system: {
      events: async function* () {
        yield event('image', 'tag', { name: 'a:b' });
        throw new Error('events log unreadable');
      },
    },
  });
  try {
    await assert.rejects(s.call('GET', '/events'));
  } finally {
    await s.close();
  }
});

test('system df: types passed through, unknown type 400, VirtualSize only below API 1.44', async () => {
  const df: SystemDf = {
    LayersSize: 10,
    Images: [{ Id: 'sha256:x', ParentId: '', RepoTags: [], RepoDigests: [], Created: 1, Size: 7, SharedSize: 0, Labels: null, Containers: 0 }],
    Containers: [],
    Volumes: [],
    BuildCache: [],
  };
  const s = await startServer(systemDfRoutes, { system: { df: async () => df } });
  try {
    const now = await s.call('GET', '/v1.47/system/df?type=image&type=volume');
    assert.deepEqual(now.json(), df);
    assert.deepEqual(s.calls[0]!.args, [{ type: ['image', 'volume'] }]);
    const old = await s.call('GET', '/v1.43/system/df');
    assert.equal((old.json() as SystemDf).Images[0]!.VirtualSize, 7);
    assert.deepEqual(s.calls[1]!.args, [undefined]);
    const bad = await s.call('GET', '/system/df?type=plugin');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { message: 'unknown object type: plugin' });
  } finally {
    await s.close();
  }
});

test('auth: 200 {Status, IdentityToken}, bad credentials 401 with the engine text', async () => {
  const s = await startServer(authRoutes, {
    system: {
      auth: async (c: AuthConfig) => {
        if (c.password !== 'right') throw unauthorized('login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized');
        return { Status: 'Login Succeeded' };
      },
    },
  });
  try {
    const ok = await s.call('POST', '/auth', { body: JSON.stringify({ username: 'u', password: 'right', serveraddress: '127.0.0.1:5000' }) });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { Status: 'Login Succeeded', IdentityToken: '' });
    const bad = await s.call('POST', '/auth', { body: JSON.stringify({ username: 'u', password: 'wrong', serveraddress: '127.0.0.1:5000' }) });
    assert.equal(bad.status, 401);
    assert.match((bad.json() as { message: string }).message, /401 Unauthorized/);
  } finally {
    await s.close();
  }
});

test('build prune answers [] and 0 for no caches, from API 1.31', async () => {
  const s = await startServer(buildRoutes, { system: { buildPrune: async () => ({ CachesDeleted: null, SpaceReclaimed: 0 }) } });
  try {
    const prune = await s.call('POST', '/v1.47/build/prune?all=1&reserved-space=1000');
    assert.deepEqual(prune.json(), { CachesDeleted: [], SpaceReclaimed: 0 });
    assert.deepEqual(s.calls[0]!.args, [{ all: true, filters: {}, keepStorage: 1000 }]);
    assert.equal((await s.call('POST', '/v1.30/build/prune')).status, 404);
  } finally {
    await s.close();
  }
});
