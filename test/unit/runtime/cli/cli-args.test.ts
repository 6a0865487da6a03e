import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, checkArgCount, flagBool, flagInt, flagList, flagString, parseArgs, type FlagDef } from '../../../../src/runtime/cli/args.js';

const DEFS: FlagDef[] = [
  { names: ['bundle', 'b'], kind: 'string', usage: '' },
  { names: ['detach', 'd'], kind: 'bool', usage: '' },
  { names: ['env', 'e'], kind: 'list', usage: '' },
  { names: ['preserve-fds'], kind: 'string', usage: '' },
];

test('urfave-style flags: --x v, --x=v, single-dash long names and aliases', () => {
  const p = parseArgs(DEFS, ['-bundle', '/b', '--detach', '-e', 'A=1', '--env=B=2', '--preserve-fds=2', 'id']);
  assert.equal(flagString(p, 'bundle'), '/b');
  assert.equal(flagBool(p, 'detach'), true);
  assert.deepEqual(flagList(p, 'env'), ['A=1', 'B=2']);
  assert.equal(flagInt(p, 'preserve-fds'), 2);
  assert.deepEqual(p.args, ['id']);
  assert.equal(flagString(parseArgs(DEFS, ['-b', 'x']), 'bundle'), 'x');
});

test('flags after positional arguments are honoured unless the verb stops at the first one', () => {
  const reordered = parseArgs(DEFS, ['id', '--detach', 'KILL']);
  assert.equal(flagBool(reordered, 'detach'), true);
  assert.deepEqual(reordered.args, ['id', 'KILL']);
  const stopped = parseArgs(DEFS, ['-d', 'id', 'ls', '-la', '--detach'], { stopAtFirstArg: true });
  assert.deepEqual(stopped.args, ['id', 'ls', '-la', '--detach']);
});

test('booleans take only =value; errors use Go flag wording', () => {
  const p = parseArgs(DEFS, ['--detach=false', 'x']);
  assert.equal(flagBool(p, 'detach'), false);
  assert.deepEqual(p.args, ['x']);
  assert.throws(() => parseArgs(DEFS, ['--bogus']), new UsageError('flag provided but not defined: -bogus'));
  assert.throws(() => parseArgs(DEFS, ['--bundle']), new UsageError('flag needs an argument: -bundle'));
  assert.throws(() => parseArgs(DEFS, ['--detach=maybe']), /invalid boolean value "maybe" for -detach/);
  assert.throws(() => flagInt(parseArgs(DEFS, ['--preserve-fds', 'x']), 'preserve-fds'), /preserve-fds/);
  assert.deepEqual(parseArgs(DEFS, ['--', '-d']).args, ['-d']);
});

test('argument counts use runc wording', () => {
  assert.throws(() => checkArgCount('gantry-runtime', 'state', { exact: 1 }, []), {
    message: 'gantry-runtime: "state" requires exactly 1 argument(s)',
  });
  assert.throws(() => checkArgCount('gantry-runtime', 'kill', { min: 1, max: 2 }, []), /requires a minimum of 1 argument/);
  assert.throws(() => checkArgCount('gantry-runtime', 'kill', { min: 1, max: 2 }, ['a', 'b', 'c']), /requires a maximum of 2/);
  checkArgCount('gantry-runtime', 'kill', { min: 1, max: 2 }, ['a', 'KILL']);
});
