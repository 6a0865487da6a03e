import { test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Snapshotter } from '../../../src/images/snapshots/snapshotter.js';
import { stagingPrefix, stagingWriterAlive } from '../../../src/images/snapshots/staging-dir.js';

async function withSnapshotter(fn: (s: Snapshotter) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-snap-'));
  try {
    const s = new Snapshotter(dir, 'native');
    await s.init();
    await fn(s);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('two snapshotters committing one key keep a single snapshot', () =>
  withSnapshotter(async (s) => {
    const other = new Snapshotter(s.root, 'native');
    const fill = (text: string) => async (dir: string) => {
      await writeFile(join(dir, 'f'), text);
      return 1;
    };
    const [a, b] = await Promise.all([s.commit('sha256:' + 'a'.repeat(64), undefined, fill('x')), other.commit('sha256:' + 'a'.repeat(64), undefined, fill('y'))]);
    assert.equal(a.id, b.id);
    const ids = (await readdir(s.root)).filter((n) => /^\d+$/.test(n));
    assert.deepEqual(ids, [a.id]);
    assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
  }));

test('a failed fill leaves nothing behind', () =>
  withSnapshotter(async (s) => {
    await assert.rejects(
      s.commit('sha256:' + 'b'.repeat(64), undefined, async (dir) => {
        await writeFile(join(dir, 'partial'), 'x');
        throw new Error('corrupt layer');
      }),
      /corrupt layer/,
    );
    assert.equal(await s.stat('sha256:' + 'b'.repeat(64)), undefined);
    assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
    assert.deepEqual((await readdir(s.root)).filter((n) => /^\d+$/.test(n)), []);
  }));

test('native snapshots copy their parent; active snapshots are bind mounts', () =>
  withSnapshotter(async (s) => {
    const base = await s.commit('sha256:' + 'c'.repeat(64), undefined, async (dir) => (await writeFile(join(dir, 'base'), 'b'), 1));
    const top = await s.commit('sha256:' + 'd'.repeat(64), base.key, async (dir) => (await writeFile(join(dir, 'top'), 't'), 1));
    assert.equal(await readFile(join(s.fsPath(top.id), 'base'), 'utf8'), 'b');
    await s.prepare('ctr1', top.key);
    const [m] = await s.mounts('ctr1');
    assert.equal(m?.type, 'bind');
    assert.deepEqual((await s.chain('ctr1')).map((i) => i.key), ['ctr1', top.key, base.key]);
    await s.remove('ctr1');
    assert.equal(await s.stat('ctr1'), undefined);
  }));

test('on ext4 the staging dir is marked a top of directory hierarchy (chattr +T)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-snap-'));
  try {
    const fs = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).stdout.trim();
    if (fs !== 'ext2/ext3') return t.skip(`needs ext4 (${dir} is on ${fs || 'an unknown filesystem'})`);
    await new Snapshotter(dir, 'native').init();
    const attrs = spawnSync('lsattr', ['-d', join(dir, 'tmp')], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';
    assert.match(attrs, /T/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('staging dir names say whether their writer still runs', () => {
  const mine = `${stagingPrefix('new')}abc123`;
  assert.match(mine, new RegExp(`^new-${process.pid}\\.\\d+-abc123$`));
  assert.equal(stagingWriterAlive(mine), true);
  assert.equal(stagingWriterAlive(`${stagingPrefix('overlay-test')}x`), true);
  const dead = spawnSync('true').pid;
  assert.equal(stagingWriterAlive(`new-${dead}.1-abc123`), false);
  // The pid lives but is another process (its start time differs): dead too.
  assert.equal(stagingWriterAlive(`new-${process.pid}.1-abc123`), false);
  // Names of older versions do not say.
  assert.equal(stagingWriterAlive('new-abc123'), undefined);
});

test('a zombie writer counts as dead', async () => {
  // The background sleep exits after the shell became `sleep 30`, which never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number((await once(parent.stdout, 'data'))[0].toString().trim());
    let stat = '';
    while (!(stat = readFileSync(`/proc/${pid}/stat`, 'utf8')).includes(') Z ')) await sleep(50);
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    assert.equal(stagingWriterAlive(`new-${pid}.${startTime}-abc123`), false);
  } finally {
    parent.kill('SIGKILL');
  }
});
