import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, checkArgCount, UsageError, type CommandSpec } from '../../../src/cli/flags.js';
import { resolveCommand } from '../../../src/cli/resolve.js';

const run: CommandSpec = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  stopAtFirstArg: true,
  minArgs: 1,
  flags: [
    { name: 'interactive', short: 'i', type: 'bool' },
    { name: 'tty', short: 't', type: 'bool' },
    { name: 'detach', short: 'd', type: 'bool' },
    { name: 'env', short: 'e', type: 'list' },
    { name: 'publish', short: 'p', type: 'list' },
    { name: 'name', type: 'string' },
    { name: 'stop-timeout', type: 'int' },
  ],
};

test('short groups, attached values and repeated lists', () => {
  const p = parseFlags(run, ['-it', '-e', 'A=1', '-e=B=2', '-p8080:80', '--name=web', 'busybox', 'sh', '-c', 'echo -n']);
  assert.equal(p.flags.interactive, true);
  assert.equal(p.flags.tty, true);
  assert.deepEqual(p.flags.env, ['A=1', 'B=2']);
  assert.deepEqual(p.flags.publish, ['8080:80']);
  assert.equal(p.flags.name, 'web');
  assert.deepEqual(p.args, ['busybox', 'sh', '-c', 'echo -n']);
  assert.ok(p.set.has('env') && !p.set.has('detach'));
});

test('bool flags take explicit values; ints are checked', () => {
  const p = parseFlags(run, ['--detach=false', '--stop-timeout', '5', 'img']);
  assert.equal(p.flags.detach, false);
  assert.equal(p.flags['stop-timeout'], 5);
  assert.throws(() => parseFlags(run, ['--stop-timeout', 'x', 'img']), /invalid argument "x"/);
});

test('docker error texts for unknown flags and argument counts', () => {
  assert.throws(() => parseFlags(run, ['--bogus', 'img']), (e: unknown) => e instanceof UsageError && e.message === 'unknown flag: --bogus');
  assert.throws(() => parseFlags(run, ['-z']), /unknown shorthand flag: 'z' in -z/);
  assert.throws(() => checkArgCount(run, 'gantry', []), /"gantry run" requires at least 1 argument./);
});

test('management commands resolve to verb modules', () => {
  const have = new Set(['ps', 'images', 'rmi', 'volume-ls', 'image-inspect', 'run']);
  const has = (n: string) => have.has(n);
  assert.deepEqual(resolveCommand(['container', 'ls'], has), ['ps', 2]);
  assert.deepEqual(resolveCommand(['image', 'rm', 'x'], has), ['rmi', 2]);
  assert.deepEqual(resolveCommand(['image', 'inspect'], has), ['image-inspect', 2]);
  assert.deepEqual(resolveCommand(['volume', 'list'], has), ['volume-ls', 2]);
  assert.deepEqual(resolveCommand(['run', 'busybox'], has), ['run', 1]);
  assert.equal(resolveCommand(['nope'], has), undefined);
});
