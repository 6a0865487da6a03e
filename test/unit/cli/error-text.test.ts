// The CLI's one-line error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, renameSync } from 'node:fs';
import { errorStack, errorText } from '../../../src/cli/error-text.js';
import { invalidArgument } from '../../../src/errdefs/index.js';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('did not throw');
};

test("a failed system call reads as Go's errors do: syscall, path(s), errno text", () => {
  assert.equal(errorText(thrown(() => openSync('/no/such/file', 'r'))), 'open /no/such/file: no such file or directory');
  assert.equal(errorText(thrown(() => renameSync('/no/a', '/no/b'))), 'rename /no/a /no/b: no such file or directory');
});

test('other errors: their message on one line; the stack only on request', () => {
  assert.equal(errorText(invalidArgument('bad thing')), 'bad thing');
  assert.equal(errorText(new Error('first\n  second\n')), 'first second');
  assert.equal(errorText('plain'), 'plain');
  const err = new Error('outer', { cause: new Error('inner') });
  assert.match(errorStack(err), /^Error: outer\n\s+at [^]*\ncaused by: Error: inner\n\s+at /);
});
