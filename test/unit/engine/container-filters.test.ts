// The container list's filters: matching of published and exposed ports, and its flag parsing
// (the rest is covered end to end in test/integration/cli/run-options.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilterFlags } from '../../../src/cli/filters.js';
import { containerSelection } from '../../../src/engine/container-filters.js';
import { UsageError } from '../../../src/cli/flags.js';
import type { ContainerRecord } from '../../../src/engine/store.js';
import type { EngineCore } from '../../../src/engine/engine.js';

function rec(name: string, ports: Record<string, { HostIp: string; HostPort: string }[] | null>): ContainerRecord {
  return {
    Id: `${name}`.padEnd(64, '0'),
    Name: `/${name}`,
    Image: 'sha256:img',
    State: { Status: 'running', Running: true, Paused: false, Restarting: false, ExitCode: 0, StartedAt: '2026-01-01T00:00:00Z' },
    Config: { Labels: {} },
    Mounts: [],
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: {}, Ports: ports },
  } as unknown as ContainerRecord;
}

const engine = {} as EngineCore;
const names = async (filters: string[], recs: ContainerRecord[]) => (await containerSelection(engine, parseFilterFlags(filters))).filter(recs, true).map((r) => r.Name);

test('publish matches the host port, expose the container port, with ranges and protocols', async () => {
  const web = rec('web', { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': null });
  const db = rec('db', { '5432/tcp': null });
  const all = [web, db];
  assert.deepEqual(await names(['publish=8080'], all), ['/web']);
  assert.deepEqual(await names(['publish=8080/udp'], all), []);
  assert.deepEqual(await names(['publish=80'], all), []);
  assert.deepEqual(await names(['expose=80'], all), ['/web']);
  assert.deepEqual(await names(['expose=5000-6000'], all), ['/db']);
  assert.deepEqual(await names(['expose=53/udp'], all), ['/web']);
  assert.deepEqual(await names(['expose=53'], all), []);
  assert.deepEqual(await names(['publish=8080', 'expose=5432'], all), ['/web', '/db']);
  await assert.rejects(containerSelection(engine, parseFilterFlags(['expose=x'])), { message: `error while looking up for expose x: strconv.ParseUint: parsing "x": invalid syntax` });
  await assert.rejects(containerSelection(engine, parseFilterFlags(['expose=90-80'])), { message: 'error while looking up for expose 90-80: invalid range specified for port: 90-80' });
});

test('-f values: key=value, keys lowercased, both trimmed; no "=" is a flag error', () => {
  assert.deepEqual(parseFilterFlags([' Status = exited', 'status=exited', 'label=a=b', '']), { status: ['exited'], label: ['a=b'] });
  assert.throws(() => parseFilterFlags(['foo']), (err: unknown) => err instanceof UsageError && err.message === 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)');
});
