import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingHostFs, realHostFs } from '../../../../src/sys/host-fs.js';

test('RecordingHostFs records calls in order and serves preset files', async () => {
  const fs = new RecordingHostFs({ '/cg/memory/memory.limit_in_bytes': '123\n' });
  assert.equal(await fs.readFile('/cg/memory/memory.limit_in_bytes'), '123\n');
  await fs.mkdir('/cg/memory/x');
  await fs.writeFile('/cg/memory/x/memory.limit_in_bytes', '5');
  assert.equal(await fs.exists('/cg/memory/x'), true);
  assert.deepEqual(await fs.readdir('/cg/memory'), ['memory.limit_in_bytes', 'x']);
  await fs.rmdir('/cg/memory/x');
  assert.equal(await fs.exists('/cg/memory/x'), false);
  await assert.rejects(fs.readFile('/nope'), { code: 'ENOENT' });
  await assert.rejects(fs.mkdir('/a/b/c'), { code: 'ENOENT' });
  assert.deepEqual(fs.writes(), [['/cg/memory/x/memory.limit_in_bytes', '5']]);
  assert.deepEqual(
    fs.calls.map((c) => c.op),
    ['readFile', 'mkdir', 'writeFile', 'exists', 'readdir', 'rmdir', 'exists', 'readFile', 'mkdir'],
  );
});

test('realHostFs touches the real filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-hostfs-'));
  try {
    await realHostFs.mkdir(join(dir, 'a/b'), { recursive: true });
    await realHostFs.writeFile(join(dir, 'a/b/f'), 'hi');
    assert.equal(await realHostFs.readFile(join(dir, 'a/b/f')), 'hi');
    assert.deepEqual(await realHostFs.readdir(join(dir, 'a')), ['b']);
    assert.equal(await realHostFs.exists(join(dir, 'a/b/f')), true);
    assert.equal(await realHostFs.exists(join(dir, 'zz')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
