// Unpacking multi-layer images with both snapshotters, checked through the
// mounted rootfs; malicious and corrupt layers leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openImageService, type ImageService } from '../../../src/images/service.js';
import { isMounted } from '../../../src/images/snapshots/mount.js';
import { Snapshotter } from '../../../src/images/snapshots/snapshotter.js';
import { createLayerUnpacker } from '../../../src/images/unpack.js';
import { sha256Digest, type Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/image-spec.js';
import { buildImage, tarOfEntries, type LayerSpec } from '../../fixtures/image-builder.js';

const isRoot = process.getuid?.() === 0;
const SNAPSHOTTERS = ['overlayfs', 'native'] as const;

async function withService(snapshotter: string, fn: (svc: ImageService, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-unpack-'));
  const saved = process.env.GANTRY_SNAPSHOTTER;
  process.env.GANTRY_SNAPSHOTTER = snapshotter;
  try {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    assert.equal(svc.snapshots.name, snapshotter);
    await fn(svc, dir);
  } finally {
    if (saved === undefined) delete process.env.GANTRY_SNAPSHOTTER;
    else process.env.GANTRY_SNAPSHOTTER = saved;
    execFileSync('sh', ['-c', `grep -o ' ${dir}[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l`]);
    await rm(dir, { recursive: true, force: true });
  }
}

const LAYERS: LayerSpec[] = [
  { busybox: true },
  {
    entries: [
      { path: 'opt', type: 'dir' },
      { path: 'opt/tool', content: '#!/bin/sh\necho tool\n', mode: 0o4755, uid: 1000, gid: 1001 },
      { path: 'opt/tool-link', type: 'hardlink', linkname: 'opt/tool' },
      { path: 'opt/sym', type: 'symlink', linkname: '../etc/passwd' },
      { path: 'opt/fifo', type: 'fifo', mode: 0o600 },
      { path: 'opt/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { path: 'opt/attr', content: 'x', xattrs: { 'user.gantry': 'yes' } },
      { path: 'opt/sticky', type: 'dir', mode: 0o1777 },
      { path: 'gone', type: 'dir' },
      { path: 'gone/file', content: 'bye' },
      { path: 'opq', type: 'dir' },
      { path: 'opq/old', content: 'old' },
      { path: 'del', content: 'delete me' },
    ],
  },
  {
    entries: [
      { path: 'del', type: 'whiteout' },
      { path: 'gone', type: 'whiteout' },
      { path: 'opq/new', content: 'new' },
      { path: 'opq', type: 'opaque' },
      { path: 'etc/motd', content: 'hello\n', mtime: new Date('2020-01-02T03:04:05Z') },
    ],
  },
];

const exists = (p: string) => lstat(p).then(() => true, () => false);

for (const snapshotter of SNAPSHOTTERS) {
  test(`multi-layer image unpacks and mounts (${snapshotter})`, { skip: !isRoot && 'needs root' }, () =>
    withService(snapshotter, async (svc, dir) => {
      const archive = join(dir, 'img.tar');
      const built = await buildImage({ layers: LAYERS, format: 'docker-archive', out: archive, name: 'test/multi:1', compression: 'zstd' });
      const loaded = await svc.load(createReadStream(archive));
      assert.deepEqual(loaded, [{ id: built.configDigest, names: ['docker.io/test/multi:1'] }]);
      for (const c of built.chainIds) assert.ok(await svc.unpacker.hasSnapshot(c), `snapshot ${c}`);

      await svc.prepareRootfs('test/multi:1', 'ctr-1');
      const mnt = join(dir, 'mnt');
      await mkdir(mnt);
      await svc.mountRootfs('ctr-1', mnt);
      assert.equal(await isMounted(mnt), true);
      try {
        const tool = await lstat(join(mnt, 'opt/tool'));
        assert.equal(tool.mode & 0o7777, 0o4755);
        assert.equal(tool.uid, 1000);
        assert.equal(tool.gid, 1001);
        assert.equal((await lstat(join(mnt, 'opt/tool-link'))).ino, tool.ino);
        assert.equal(await readlink(join(mnt, 'opt/sym')), '../etc/passwd');
        assert.ok((await lstat(join(mnt, 'opt/fifo'))).isFIFO());
        const dev = await lstat(join(mnt, 'opt/null'));
        assert.ok(dev.isCharacterDevice());
        assert.equal(dev.rdev, 0x103);
        assert.equal((await lstat(join(mnt, 'opt/sticky'))).mode & 0o7777, 0o1777);
        assert.match(execFileSync('getfattr', ['-n', 'user.gantry', '--only-values', join(mnt, 'opt/attr')]).toString(), /^yes/);
        assert.ok(!(await exists(join(mnt, 'del'))));
        assert.ok(!(await exists(join(mnt, 'gone'))));
        assert.deepEqual(await readdir(join(mnt, 'opq')), ['new']);
        assert.equal((await lstat(join(mnt, 'etc/motd'))).mtime.toISOString(), '2020-01-02T03:04:05.000Z');
        assert.equal(execFileSync('chroot', [mnt, '/bin/cat', '/etc/motd']).toString(), 'hello\n');

        await writeFile(join(mnt, 'etc/motd'), 'changed\n');
        await rm(join(mnt, 'opt/attr'));
        const changes = await svc.rootfsChanges('ctr-1');
        assert.ok(changes.some((c) => c.Path === '/etc/motd' && c.Kind === 0), JSON.stringify(changes));
        assert.ok(changes.some((c) => c.Path === '/opt/attr' && c.Kind === 2), JSON.stringify(changes));
      } finally {
        await svc.unmountRootfs(mnt);
      }
      assert.equal(await isMounted(mnt), false);
      await svc.unmountRootfs(mnt); // nothing mounted: no umount(8) run, no error
      await svc.removeRootfs('ctr-1');
      assert.equal(await svc.snapshots.stat('ctr-1'), undefined);
    }),
  );

  test(`malicious layers cannot touch anything outside the snapshot (${snapshotter})`, { skip: !isRoot && 'needs root' }, () =>
    withService(snapshotter, async (svc, dir) => {
      const outside = join(dir, 'outside');
      await mkdir(outside);
      await writeFile(join(outside, 'sentinel'), 'safe');
      const archive = join(dir, 'evil.tar');
      await buildImage({
        format: 'docker-archive',
        out: archive,
        name: 'evil:1',
        layers: [
          {
            entries: [
              { path: '../../../../../../' + outside.slice(1) + '/sentinel', content: 'owned' },
              { path: outside + '/sentinel', content: 'owned' },
              { path: 'link', type: 'symlink', linkname: outside },
              { path: 'link/sentinel', content: 'owned' },
              { path: 'rel', type: 'symlink', linkname: '../../../../../../../..' + outside },
              { path: 'rel/sentinel', content: 'owned' },
            ],
          },
          { entries: [{ path: 'link/new', content: 'owned' }] },
        ],
      });
      await svc.load(createReadStream(archive));
      assert.equal(await readFile(join(outside, 'sentinel'), 'utf8'), 'safe');
      assert.deepEqual(await readdir(outside), ['sentinel']);

      const hard = join(dir, 'hard.tar');
      await buildImage({ format: 'docker-archive', out: hard, name: 'evil:2', layers: [{ entries: [{ path: 'pw', type: 'hardlink', linkname: '/etc/passwd' }] }] });
      await assert.rejects(svc.load(createReadStream(hard)), /not in the layer/);
      assert.equal((await svc.snapshots.list()).filter((s) => s.kind === 'committed').length, 2);
      assert.deepEqual(await readdir(join(svc.snapshots.root, 'tmp')), []);
    }),
  );

  test(`a corrupt or truncated layer fails and leaves no snapshot (${snapshotter})`, { skip: !isRoot && 'needs root' }, () =>
    withService(snapshotter, async (svc, dir) => {
      const layout = join(dir, 'layout');
      const built = await buildImage({ format: 'oci-dir', out: layout, name: 'docker.io/library/bad:1', layers: [{ busybox: true }] });
      const layer = built.manifest.layers[0]!;
      const path = join(layout, 'blobs/sha256', layer.digest.slice(7));
      const blob = await readFile(path);
      // Truncate the gzip stream: content store refuses it by digest, so apply directly.
      await writeFile(path, blob.subarray(0, blob.length >> 1));
      await assert.rejects(
        svc.unpacker.applyLayer({ chainId: built.chainIds[0]!, diffId: built.diffIds[0]!, mediaType: layer.mediaType, stream: createReadStream(path) }),
      );
      // A complete tar whose digest is not the diff ID.
      const plain = join(dir, 'plain.tar');
      await writeFile(plain, built.layerTars[0]!);
      await assert.rejects(
        svc.unpacker.applyLayer({
          chainId: built.chainIds[0]!,
          diffId: `sha256:${'0'.repeat(64)}`,
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          stream: createReadStream(plain),
        }),
        /does not match diff ID/,
      );
      assert.equal(await svc.unpacker.hasSnapshot(built.chainIds[0]!), false);
      assert.deepEqual(await readdir(join(svc.snapshots.root, 'tmp')), []);
      assert.deepEqual((await readdir(svc.snapshots.root)).filter((n) => /^\d+$/.test(n)), []);
    }),
  );
}

test('commit turns a container snapshot into a layer; export streams the merged tree', { skip: !isRoot && 'needs root' }, () =>
  withService('overlayfs', async (svc, dir) => {
    const archive = join(dir, 'img.tar');
    await buildImage({ layers: LAYERS, format: 'docker-archive', out: archive, name: 'test/multi:1' });
    await svc.load(createReadStream(archive));
    await svc.prepareRootfs('test/multi:1', 'ctr-2');
    const mnt = join(dir, 'mnt');
    await mkdir(mnt);
    await svc.mountRootfs('ctr-2', mnt);
    try {
      await writeFile(join(mnt, 'etc/motd'), 'committed\n');
      await rm(join(mnt, 'opt/attr'));
      await rm(join(mnt, 'opq'), { recursive: true });
      await mkdir(join(mnt, 'opq'));
      await writeFile(join(mnt, 'opq/only'), 'only');
    } finally {
      await svc.unmountRootfs(mnt);
    }
    const id = await svc.commitRootfs('ctr-2', { reference: 'committed:1', changes: ['CMD ["cat", "/etc/motd"]'], message: 'snap' });
    const rec = await svc.resolve('committed:1');
    assert.equal(rec.id, id);
    assert.equal(rec.config.rootfs.diff_ids.length, LAYERS.length + 1);
    assert.deepEqual(rec.config.config?.Cmd, ['cat', '/etc/motd']);

    // A container of the committed image sees the changes, including the deletion and the opaque dir.
    await svc.prepareRootfs(id, 'ctr-3');
    await svc.mountRootfs('ctr-3', mnt);
    try {
      assert.equal(await readFile(join(mnt, 'etc/motd'), 'utf8'), 'committed\n');
      assert.ok(!(await exists(join(mnt, 'opt/attr'))));
      assert.deepEqual(await readdir(join(mnt, 'opq')), ['only']);
    } finally {
      await svc.unmountRootfs(mnt);
    }

    const tar = await svc.exportRootfs('ctr-3');
    const out = join(dir, 'export.tar');
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    await pipeline(tar, createWriteStream(out));
    const names = execFileSync('tar', ['-tf', out]).toString().split('\n');
    assert.ok(names.includes('etc/motd'));
    assert.ok(names.includes('bin/busybox'));
    assert.ok(!names.includes('opt/attr'));
    assert.ok(!names.some((n) => n.includes('.wh.')));
    assert.equal(execFileSync('tar', ['-xOf', out, 'etc/motd']).toString(), 'committed\n');
    await svc.removeRootfs('ctr-2');
    await svc.removeRootfs('ctr-3');
  }),
);

test('a full disk fails the import cleanly and leaves the store consistent', { skip: !isRoot && 'needs root' }, () =>
  withService('overlayfs', async (svc, dir) => {
    // A second service on a 3 MB tmpfs: the busybox layer (2 MB) plus its blob do not fit.
    const small = join(dir, 'small');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', small]);
    try {
      const tiny = await openImageService({ root: join(small, 'root'), runroot: join(dir, 'run2') });
      const rootfs = join(dir, 'rootfs.tar');
      const built = await buildImage({ layers: [{ busybox: true }], format: 'oci-dir', out: join(dir, 'layout') });
      await writeFile(rootfs, built.layerTars[0]!);
      await assert.rejects(tiny.importRootfs(createReadStream(rootfs), { reference: 'full:1' }), /ENOSPC|no space left/i);
      assert.deepEqual(await tiny.list(), []);
      assert.deepEqual(await tiny.snapshots.list(), []);
      assert.deepEqual(await readdir(join(tiny.snapshots.root, 'tmp')), []);
      assert.deepEqual(await tiny.content.listIngests(), []);
      // Once space is back, the same import works.
      await svc.importRootfs(createReadStream(rootfs), { reference: 'full:1' });
      assert.equal((await svc.list()).length, 1);
    } finally {
      execFileSync('umount', ['-l', small]);
    }
  }),
);

test('native snapshotter: a child layer stops waiting when its parent fails or its own stream is destroyed', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-unpack-wait-'));
  try {
    const snapshots = new Snapshotter(join(dir, 'snapshots'), 'native');
    await snapshots.init();
    const unpacker = createLayerUnpacker(snapshots);
    const tar = await tarOfEntries([{ path: 'f', content: 'x' }]);
    const parent = sha256Digest(tar);
    const child = sha256Digest('child');
    const layer = (chainId: Digest, parentChainId: Digest | undefined, stream: PassThrough) =>
      unpacker.applyLayer({ chainId, parentChainId, diffId: parent, mediaType: MediaType.OciLayer, stream });

    // The parent's bytes are corrupt: the waiting child fails with it, without any bytes of its own.
    const badParent = new PassThrough();
    const childStream = new PassThrough();
    const results = Promise.allSettled([layer(parent, undefined, badParent), layer(child, parent, childStream)]);
    badParent.end(Buffer.alloc(1024, 7));
    const [p, c] = await results;
    assert.equal(p.status, 'rejected');
    assert.equal(c.status, 'rejected');
    assert.match(String((c as PromiseRejectedResult).reason), /parent layer .* failed/);
    assert.ok(childStream.destroyed);

    // A child whose stream is destroyed stops waiting; its parent still completes.
    const slowParent = new PassThrough();
    const gone = new PassThrough();
    const parentDone = layer(parent, undefined, slowParent);
    const childDone = layer(child, parent, gone);
    gone.destroy(new Error('pull aborted'));
    await assert.rejects(childDone, /pull aborted/);
    slowParent.end(tar);
    await parentDone;
    assert.ok(await snapshots.stat(parent));
    assert.equal(await snapshots.stat(child), undefined);

    // A parent that is neither applying here nor on disk fails at once.
    await assert.rejects(layer(child, sha256Digest('missing'), new PassThrough()), { code: 'not-found' });
    assert.deepEqual(await readdir(join(dir, 'snapshots', 'tmp')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
