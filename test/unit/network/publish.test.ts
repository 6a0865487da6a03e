import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublish } from '../../../src/network/index.js';

test('-p forms', () => {
  assert.deepEqual(parsePublish('80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 0 }]);
  assert.deepEqual(parsePublish('8080:80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }]);
  assert.deepEqual(parsePublish('8080:80/udp'), [{ containerPort: 80, protocol: 'udp', hostPort: 8080 }]);
  assert.deepEqual(parsePublish('127.0.0.1:8080:80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIp: '127.0.0.1' }]);
  assert.deepEqual(parsePublish('127.0.0.1::80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 0, hostIp: '127.0.0.1' }]);
  assert.deepEqual(parsePublish('[::1]:8080:80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIp: '::1' }]);
  assert.deepEqual(parsePublish('8000-8001:80-81/tcp'), [
    { containerPort: 80, protocol: 'tcp', hostPort: 8000 },
    { containerPort: 81, protocol: 'tcp', hostPort: 8001 },
  ]);
  assert.deepEqual(parsePublish('80-81'), [
    { containerPort: 80, protocol: 'tcp', hostPort: 0 },
    { containerPort: 81, protocol: 'tcp', hostPort: 0 },
  ]);
});

test('-p errors', () => {
  assert.throws(() => parsePublish('8080:80/sctpx'), /invalid proto: sctpx/);
  assert.throws(() => parsePublish('8000-8002:80-81'), /invalid ranges specified for container and host Ports: 80-81 and 8000-8002/);
  assert.throws(() => parsePublish('abc'), /invalid containerPort: abc/);
  assert.throws(() => parsePublish('70000:80'), /invalid hostPort: 70000/);
  assert.throws(() => parsePublish('300.1.1.1:80:80'), /invalid/);
  assert.throws(() => parsePublish('8080:'), /no port specified/);
});
