import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../../src/sys/private-dir.js';

const mode = (p: string) => statSync(p).mode & 0o7777;

test('ensurePrivateDir: creates 0700 below usual parents, tightens a loose one, leaves shared sticky dirs alone', () => {
  const base = mkdtempSync(join(tmpdir(), 'gantry-private-'));
  try {
    const made = join(base, 'a', 'b', 'root');
    ensurePrivateDir(made);
    assert.equal(mode(made), 0o700);
    assert.equal(mode(join(base, 'a')) & 0o077, 0o755 & ~process.umask() & 0o077, 'parents keep the usual mode');

    const old = join(base, 'old');
    mkdirSync(old);
    chmodSync(old, 0o2755);
    ensurePrivateDir(old);
    assert.equal(mode(old), 0o2700, 'group and other bits dropped, special bits kept');

    const shared = join(base, 'tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    ensurePrivateDir(shared);
    assert.equal(mode(shared), 0o1777);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
