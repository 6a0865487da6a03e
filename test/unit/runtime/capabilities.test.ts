import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPABILITIES, capabilitiesFromMask, capabilityMask, capabilityNumber, lastCap } from '../../../src/runtime/capabilities.js';
import { isInvalidArgument } from '../../../src/errdefs/index.js';

test('capability numbers follow the kernel', () => {
  assert.equal(ALL_CAPABILITIES.length, 41);
  assert.equal(capabilityNumber('CAP_CHOWN'), 0);
  assert.equal(capabilityNumber('CAP_NET_ADMIN'), 12);
  assert.equal(capabilityNumber('CAP_SYS_ADMIN'), 21);
  assert.equal(capabilityNumber('CAP_AUDIT_READ'), 37);
  assert.equal(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40);
  assert.equal(capabilityNumber('net_raw'), 13);
});

test('capabilityMask and capabilitiesFromMask are inverse', () => {
  const names = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_CHECKPOINT_RESTORE'];
  const mask = capabilityMask(names);
  assert.equal(mask, (1n << 0n) | (1n << 5n) | (1n << 21n) | (1n << 40n));
  assert.deepEqual(capabilitiesFromMask(mask), names);
  assert.equal(capabilityMask([]), 0n);
  assert.deepEqual(capabilitiesFromMask((1n << 41n) - 1n), ALL_CAPABILITIES);
});

test('unknown capabilities are rejected with runc text', () => {
  assert.throws(() => capabilityMask(['CAP_CHOWN', 'CAP_X']), (e: Error) => isInvalidArgument(e) && e.message === 'unknown capability "CAP_X"');
});

test('lastCap reads the kernel value', () => {
  const n = lastCap();
  assert.ok(Number.isInteger(n) && n >= 36 && n < 64, String(n));
});
