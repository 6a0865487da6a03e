import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerState } from '../../../../src/runtime/api.js';
import { parseGoDuration } from '../../../../src/runtime/cli/duration.js';
import { runcStats, statsEvent } from '../../../../src/runtime/cli/events-json.js';
import { formatList } from '../../../../src/runtime/cli/list.js';
import { formatLogLine } from '../../../../src/runtime/cli/log.js';
import { filterPsOutput } from '../../../../src/runtime/cli/ps.js';
import { stateJson } from '../../../../src/runtime/cli/state-json.js';
import { versionText } from '../../../../src/runtime/cli/version.js';

const STATE: ContainerState = {
  owner: '',
  created: '2024-01-02T03:04:05.123456789Z',
  rootfs: '/b/rootfs',
  bundle: '/b',
  status: 'running',
  pid: 42,
  id: 'c1',
  ociVersion: '1.2.0',
  annotations: {},
};

test('log lines: logrus text and json', () => {
  assert.equal(
    formatLogLine('text', 'error', 'container does not exist', '2024-01-01T00:00:00Z'),
    'time="2024-01-01T00:00:00Z" level=error msg="container does not exist"\n',
  );
  assert.equal(formatLogLine('text', 'info', 'ok', 'T'), 'time=T level=info msg=ok\n');
  const json = JSON.parse(formatLogLine('json', 'error', 'boom "x"', '2024-01-01T00:00:00Z'));
  assert.deepEqual(json, { level: 'error', msg: 'boom "x"', time: '2024-01-01T00:00:00Z' });
});

test('version: three lines that go-runc and podman parse', () => {
  const lines = versionText('abc').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0]!.split('version ')[1], '0.1.0');
  assert.equal(lines[1], 'commit: abc');
  assert.match(lines[2]!, /^spec: \d+\.\d+\.\d+$/);
});

test('state JSON keeps runc field order and omits empty annotations', () => {
  assert.deepEqual(Object.keys(stateJson(STATE)), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']);
  assert.deepEqual(Object.keys(stateJson({ ...STATE, annotations: { a: 'b' } })).slice(-2), ['annotations', 'owner']);
});

test('list: tabwriter table, json (null when empty) and -q', () => {
  assert.equal(formatList([], 'table', false), 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  assert.equal(formatList([], 'json', false), 'null\n');
  const table = formatList([STATE], 'table', false).split('\n');
  assert.equal(table[0], 'ID          PID         STATUS      BUNDLE      CREATED                          OWNER');
  assert.equal(table[1], 'c1          42          running     /b          2024-01-02T03:04:05.123456789Z   ');
  assert.equal(JSON.parse(formatList([STATE], 'json', false))[0].id, 'c1');
  assert.equal(formatList([STATE, { ...STATE, id: 'c2' }], 'table', true), 'c1\nc2\n');
});

test('ps table keeps the header and the container pids', () => {
  const out = 'UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 init\nroot 42 1 0 10:00 ? 00:00:00 sh\n';
  assert.equal(filterPsOutput(out, [42]), 'UID PID PPID C STIME TTY TIME CMD\nroot 42 1 0 10:00 ? 00:00:00 sh\n');
  assert.throws(() => filterPsOutput('A B\n', [1]), /couldn't find PID field/);
});

test('Go durations', () => {
  assert.equal(parseGoDuration('5s'), 5000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.throws(() => parseGoDuration('5'), /invalid duration/);
  assert.throws(() => parseGoDuration('5s x'), /invalid duration/);
});

test('stats events use runc/libcontainer JSON names', () => {
  const data = runcStats({
    cpu: { usage: { total: 10, percpu: [4, 6], kernel: 3, user: 7 }, throttling: { periods: 2, throttledPeriods: 1, throttledTime: 0 } },
    memory: { cache: 0, usage: { limit: 100, usage: 50, max: 60, failcnt: 0 }, raw: { rss: 5 } },
    pids: { current: 1, limit: 0 },
  });
  assert.deepEqual(data, {
    cpu: { usage: { total: 10, percpu: [4, 6], kernel: 3, user: 7 }, throttling: { periods: 2, throttled_periods: 1 } },
    memory: { usage: { limit: 100, usage: 50, max: 60, failcnt: 0 }, raw: { rss: 5 } },
    pids: { current: 1 },
    blkio: {},
    hugetlb: {},
  });
  assert.equal(statsEvent('c1', { cpu: { usage: { total: 0, kernel: 0, user: 0 } }, memory: { usage: { limit: 0, usage: 0, max: 0, failcnt: 0 } }, pids: { current: 0 } }).type, 'stats');
});
