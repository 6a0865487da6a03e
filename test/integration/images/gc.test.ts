// GC: unreferenced blobs and snapshots go, shared and container-held ones stay,
// crash leftovers and abandoned ingests are swept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImageService } from '../../../src/images/service.js';
import { buildImage } from '../../fixtures/image-builder.js';

const isRoot = process.getuid?.() === 0;

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-gc-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('rmi and gc keep shared and container-held layers, sweep the rest and crash leftovers', { skip: !isRoot && 'needs root' }, () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const a = await buildImage({ format: 'docker-archive', out: join(dir, 'a.tar'), name: 'a:1', layers: [{ busybox: true }, { entries: [{ path: 'a', content: 'a' }] }] });
    const b = await buildImage({ format: 'docker-archive', out: join(dir, 'b.tar'), name: 'b:1', layers: [{ busybox: true }, { entries: [{ path: 'b', content: 'b' }] }] });
    const c = await buildImage({ format: 'docker-archive', out: join(dir, 'c.tar'), name: 'c:1', layers: [{ entries: [{ path: 'c', content: 'c' }] }] });
    for (const n of ['a', 'b', 'c']) await svc.load(createReadStream(join(dir, `${n}.tar`)));
    assert.equal(a.chainIds[0], b.chainIds[0]);

    await svc.prepareRootfs('c:1', 'container-c');
    assert.deepEqual(await svc.remove('a:1'), [{ Untagged: 'a:1' }, { Deleted: a.configDigest }]);
    assert.equal(await svc.unpacker.hasSnapshot(a.chainIds[1]!), false);
    assert.equal(await svc.unpacker.hasSnapshot(a.chainIds[0]!), true); // shared with b
    assert.equal(await svc.content.has(a.manifest.layers[1]!.digest), false);
    assert.equal(await svc.content.has(a.configDigest), false);
    assert.equal(await svc.content.has(b.manifest.layers[0]!.digest), true);

    // c's layer stays while a container's snapshot sits on it.
    await svc.remove('c:1', { force: true });
    assert.equal((await svc.gc()).snapshots.length, 0);
    assert.equal(await svc.unpacker.hasSnapshot(c.chainIds[0]!), true);
    await svc.removeRootfs('container-c');
    assert.deepEqual((await svc.prune()).deleted, [{ Deleted: c.configDigest }]);
    assert.equal(await svc.unpacker.hasSnapshot(c.chainIds[0]!), false);

    // Crash leftovers: an old staging dir, an unpublished snapshot dir, half-written metadata, an abandoned ingest.
    const old = new Date(Date.now() - 2 * 3600_000);
    const leftovers = [
      join(svc.snapshots.root, 'tmp', 'new-crash'),
      join(svc.snapshots.root, '999'),
      join(svc.store.root, '.tmp-1-x'),
      join(svc.root, 'tmp', 'load-crash'),
    ];
    await mkdir(leftovers[3]!, { recursive: true });
    await mkdir(join(leftovers[0]!, 'fs'), { recursive: true });
    await mkdir(join(leftovers[1]!, 'fs'), { recursive: true });
    await writeFile(join(leftovers[1]!, 'fs', 'data'), 'x'.repeat(1000));
    await writeFile(leftovers[2]!, '{');
    for (const p of leftovers) await utimes(p, old, old);
    const young = join(svc.snapshots.root, 'tmp', 'new-running');
    await mkdir(young);
    const ingest = await svc.content.ingest('abandoned');
    await ingest.write(Buffer.from('partial'));
    await ingest.close();

    const report = await svc.gc({ ingestMaxAgeMs: 0 });
    assert.deepEqual(report.orphans.sort(), leftovers.sort());
    assert.deepEqual(report.ingests, ['abandoned']);
    assert.ok(report.bytesReclaimed >= 1000);
    assert.deepEqual(await readdir(join(svc.snapshots.root, 'tmp')), ['new-running']);
    assert.deepEqual(await svc.content.listIngests(), []);

    // extra roots keep a snapshot no image references.
    await svc.remove('b:1');
    assert.equal(await svc.unpacker.hasSnapshot(b.chainIds[0]!), false);
    const blobs: string[] = [];
    for await (const bl of svc.content.list()) blobs.push(bl.digest);
    assert.deepEqual(blobs, []);
  }),
);

test('gc honours extra snapshot roots', { skip: !isRoot && 'needs root' }, () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const a = await buildImage({ format: 'docker-archive', out: join(dir, 'a.tar'), name: 'a:1', layers: [{ entries: [{ path: 'a', content: 'a' }] }, { entries: [{ path: 'b', content: 'b' }] }] });
    await svc.load(createReadStream(join(dir, 'a.tar')));
    await svc.store.update((images) => void delete images[a.configDigest]);
    const report = await svc.gc({ extraSnapshotRoots: [a.chainIds[1]!] });
    assert.deepEqual(report.snapshots, []);
    assert.equal(await svc.unpacker.hasSnapshot(a.chainIds[0]!), true);
    assert.equal((await svc.gc()).snapshots.length, 2);
  }),
);

test('rmi refuses an image a container snapshot uses unless forced; the image then stays dangling', { skip: !isRoot && 'needs root' }, () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const a = await buildImage({ format: 'docker-archive', out: join(dir, 'a.tar'), name: 'a:1', layers: [{ entries: [{ path: 'a', content: 'a' }] }] });
    await svc.load(createReadStream(join(dir, 'a.tar')));
    await svc.prepareRootfs('a:1', 'f00dcafe');
    await assert.rejects(svc.remove('a:1'), {
      message: `conflict: unable to remove repository reference "a:1" (must force) - container f00dcafe is using its referenced image ${a.configDigest.slice(7, 19)}`,
    });
    assert.deepEqual(await svc.remove('a:1', { force: true }), [{ Untagged: 'a:1' }]);
    const [dangling] = await svc.list();
    assert.equal(dangling?.id, a.configDigest);
    assert.deepEqual(dangling?.repoTags, []);
    assert.equal((await svc.prune()).deleted.length, 0); // still in use
    await svc.removeRootfs('f00dcafe');
    assert.deepEqual((await svc.prune()).deleted, [{ Deleted: a.configDigest }]);
  }),
);

test('gc keeps what a live lease holder wrote since its lease began', () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const leases = join(dir, 'root', 'leases');
    const { withLease } = await import('../../../src/images/store/leases.js');
    const blob = await withLease(leases, async () => {
      const b = await svc.content.putBlob(Buffer.from('not yet recorded'));
      assert.deepEqual((await svc.gc()).blobs, []);
      return b;
    });
    assert.deepEqual((await svc.gc()).blobs, [blob.digest]);
  }),
);

test('a container rootfs re-creates layer snapshots missing from disk', { skip: !isRoot && 'needs root' }, () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const a = await buildImage({ format: 'docker-archive', out: join(dir, 'a.tar'), name: 'a:1', layers: [{ entries: [{ path: 'a', content: 'a' }] }, { entries: [{ path: 'b', content: 'b' }] }] });
    await svc.load(createReadStream(join(dir, 'a.tar')));
    await svc.snapshots.remove(a.chainIds[1]!);
    await svc.prepareRootfs('a:1', 'ctr');
    assert.equal(await svc.unpacker.hasSnapshot(a.chainIds[1]!), true);
    assert.deepEqual((await svc.snapshots.chain('ctr')).map((s) => s.key), ['ctr', a.chainIds[1], a.chainIds[0]]);
  }),
);
