// --cache-from's matching: candidates built on the stage's base (its history
// and layers are their prefix), then narrowed step by step by created_by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matching, onBase, type CacheCandidate } from '../../../src/build/cache-from.js';

const cand = (id: string, createdBy: string[], layers: string[]): CacheCandidate => ({ id, createdBy, layers });

test('onBase keeps images whose history and layers start with the base', () => {
  const a = cand('a', ['base', 'RUN x'], ['l1', 'l2']);
  const b = cand('b', ['other', 'RUN x'], ['l1', 'l2']);
  const c = cand('c', ['base', 'RUN x'], ['l9', 'l2']);
  const d = cand('d', ['base'], ['l1']);
  assert.deepEqual(onBase([a, b, c, d], ['base'], ['l1']).map((x) => x.id), ['a'], 'd is the base itself: nothing to take');
});

test('matching narrows by the entry after the matched ones', () => {
  const a = cand('a', ['base', 'RUN x', 'CMD a'], []);
  const b = cand('b', ['base', 'RUN x', 'CMD b'], []);
  assert.deepEqual(matching([a, b], 1, 'RUN x').map((x) => x.id), ['a', 'b']);
  assert.deepEqual(matching([a, b], 2, 'CMD b').map((x) => x.id), ['b']);
  assert.deepEqual(matching([a, b], 3, 'CMD b'), []);
});
