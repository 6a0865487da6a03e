// The CRI's usage_nano_cores: CPU time over the interval since the last sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuRates } from '../../../src/api/cri/cpu-rate.js';

const S = 1_000_000_000n;

test('the first sample has no rate; then the CPU time per second since the last sample', () => {
  const rates = new CpuRates();
  assert.equal(rates.rate('a', 5n * S, 100n * S), 0n);
  assert.equal(rates.rate('a', 6n * S, 102n * S), S / 2n, 'one second of CPU in two');
  assert.equal(rates.rate('a', 9n * S, 103n * S), 3n * S, 'three cores busy');
  assert.equal(rates.rate('b', 1n * S, 103n * S), 0n, 'per ID');
});

test('a sample soon after the last one gets the last rate and keeps the older base', () => {
  const rates = new CpuRates();
  rates.rate('a', 0n, 10n * S);
  assert.equal(rates.rate('a', S, 11n * S), S);
  assert.equal(rates.rate('a', S + S / 100n, 11n * S + S / 100n), S, 'a sample 10 ms later');
  assert.equal(rates.rate('a', 3n * S, 13n * S), S, 'from the sample at 11 s');
});

test('a counter that went back starts over; samples not refreshed for long are forgotten', () => {
  const rates = new CpuRates();
  rates.rate('a', 10n * S, 10n * S);
  assert.equal(rates.rate('a', S, 12n * S), 0n);
  assert.equal(rates.rate('a', 2n * S, 13n * S), S);
  rates.rate('b', 0n, 13n * S);
  rates.rate('a', 3n * S, 2000n * S);
  assert.equal(rates.rate('b', 100n * S, 2001n * S), 0n, 'b was forgotten');
});
