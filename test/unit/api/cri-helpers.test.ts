// The CRI server's pure pieces: docker timestamps as CRI nanoseconds, label
// selectors, and the state kept in labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339ToNs } from '../../../src/api/cri/time.js';
import { createdNs, criLabels, matchesSelector, CRI_LABELS_LABEL, CREATED_NS_LABEL } from '../../../src/api/cri/labels.js';
import { containerState } from '../../../src/api/cri/container-status.js';

test('rfc3339ToNs keeps all nine fraction digits and maps Go zero time to 0', () => {
  assert.equal(rfc3339ToNs('2024-05-06T07:08:09.123456789Z'), '1714979289123456789');
  assert.equal(rfc3339ToNs('2024-05-06T07:08:09Z'), '1714979289000000000');
  assert.equal(rfc3339ToNs('2024-05-06T09:08:09.5+02:00'), '1714979289500000000');
  assert.equal(rfc3339ToNs('0001-01-01T00:00:00Z'), '0');
  assert.equal(rfc3339ToNs(''), '0');
});

test('label selectors match every pair; CRI labels come from their JSON label', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.ok(matchesSelector(labels, {}));
  assert.ok(matchesSelector(labels, undefined));
  assert.ok(matchesSelector(labels, { app: 'web' }));
  assert.ok(!matchesSelector(labels, { app: 'web', tier: 'back' }));
  assert.deepEqual(criLabels({ [CRI_LABELS_LABEL]: JSON.stringify(labels) }), labels);
  assert.deepEqual(criLabels({ [CRI_LABELS_LABEL]: '{broken' }), {});
  assert.equal(createdNs({ Labels: { [CREATED_NS_LABEL]: '42' }, Created: 7 }), '42');
  assert.equal(createdNs({ Labels: {}, Created: 7 }), '7000000000');
});

test('engine states map to CRI container states', () => {
  assert.equal(containerState('created'), 'CONTAINER_CREATED');
  assert.equal(containerState('paused'), 'CONTAINER_RUNNING');
  assert.equal(containerState('dead'), 'CONTAINER_EXITED');
  assert.equal(containerState('removing'), 'CONTAINER_UNKNOWN');
});
