import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignal, signalName } from '../../../src/runtime/signals.js';
import { isInvalidArgument } from '../../../src/errdefs/index.js';

test('parseSignal accepts numbers, names with or without SIG, any case', () => {
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal(15), 15);
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGKILL'), 9);
  assert.equal(parseSignal('kill'), 9);
  assert.equal(parseSignal('sigterm'), 15);
  assert.equal(parseSignal('SIGCHLD'), 17);
  assert.equal(parseSignal('SIGWINCH'), 28);
  assert.equal(parseSignal('SIGRTMIN'), 34);
  assert.equal(parseSignal('SIGRTMIN+3'), 37);
  assert.equal(parseSignal('RTMAX-1'), 63);
  assert.equal(parseSignal('64'), 64);
});

test('parseSignal rejects unknown or out-of-range signals with docker text', () => {
  for (const bad of ['NOPE', '0', '65', 'SIGRTMIN+40', '', '-1', 1.5]) {
    assert.throws(() => parseSignal(bad), (e: Error) => isInvalidArgument(e) && e.message === `invalid signal "${bad}"`);
  }
});

test('signalName round-trips', () => {
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(37), 'SIGRTMIN+3');
  assert.equal(signalName(63), 'SIGRTMAX-1');
  for (let n = 1; n <= 64; n++) assert.equal(parseSignal(signalName(n)), n);
  assert.throws(() => signalName(0));
});
