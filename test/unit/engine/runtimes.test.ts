// The runtime registry: name=path entries (--add-runtime, GANTRY_RUNTIMES), the
// names a container may take, and docker's error for any other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineRuntimes, parseRuntimeEntries } from '../../../src/engine/runtimes/index.js';
import { OciCliRuntime } from '../../../src/engine/runtimes/oci-cli.js';
import type { Runtime } from '../../../src/runtime/api.js';

test('name=path entries: repeated flags and comma lists; bad ones refused', () => {
  assert.deepEqual(parseRuntimeEntries(['a=/bin/a', 'b=/bin/b, c=c-bin']), { a: '/bin/a', b: '/bin/b', c: 'c-bin' });
  assert.deepEqual(parseRuntimeEntries([]), {});
  assert.throws(() => parseRuntimeEntries(['nopath']), /invalid runtime entry "nopath": want name=path/);
  assert.throws(() => parseRuntimeEntries(['=/bin/x']), /want name=path/);
  assert.throws(() => parseRuntimeEntries(['gantry=/bin/x']), /runtime name 'gantry' is reserved/);
  assert.throws(() => parseRuntimeEntries(['bad/name=/bin/x']), /invalid runtime name: bad\/name/);
});

test('resolve: gantry and "" are the in-process runtime; an added one by path; others fail as docker does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-runtimes-unit-'));
  try {
    const bin = join(dir, 'myrt');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    const builtin = {} as Runtime;
    const runtimes = new EngineRuntimes(join(dir, 'run'), builtin, { myrt: bin });
    assert.equal(runtimes.resolve('gantry'), undefined);
    assert.equal(runtimes.resolve(''), undefined);
    assert.equal(runtimes.resolve('myrt'), bin);
    assert.throws(() => runtimes.resolve('nope'), (e: Error) => e.message === 'unknown or invalid runtime name: nope');
    assert.equal(runtimes.get('gantry', undefined), builtin);
    const oci = runtimes.get('myrt', bin);
    assert.ok(oci instanceof OciCliRuntime);
    assert.equal(oci.root, join(dir, 'run', 'runtimes', 'myrt'));
    assert.equal(runtimes.get('myrt', bin), oci, 'one adapter per runtime');
    assert.deepEqual(runtimes.list().myrt, { path: bin });
    assert.deepEqual(runtimes.list().gantry, { path: 'gantry' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
