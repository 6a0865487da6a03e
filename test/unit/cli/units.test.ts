import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSize, binarySize, parseBytes, humanDuration } from '../../../src/cli/units.js';

test('sizes as docker prints them', () => {
  assert.equal(humanSize(4261234), '4.26MB');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(binarySize(1024 * 1024 * 1.5), '1.5MiB');
});

test('sizes as docker parses them', () => {
  assert.equal(parseBytes('512m'), 512 * 1024 * 1024);
  assert.equal(parseBytes('1g'), 1024 ** 3);
  assert.equal(parseBytes('64k'), 65536);
  assert.equal(parseBytes('100'), 100);
  assert.throws(() => parseBytes('lots'), /invalid size: 'lots'/);
});

test('durations as docker prints them', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(30_000), '30 seconds');
  assert.equal(humanDuration(90_000), 'About a minute');
  assert.equal(humanDuration(3 * 3600_000), '3 hours');
  assert.equal(humanDuration(15 * 86400_000), '2 weeks');
});
