// Archives exchanged with real tools: gantry save → podman load, podman save and
// skopeo oci-archive → gantry load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImageService } from '../../../src/images/service.js';
import { buildImage } from '../../fixtures/image-builder.js';

const isRoot = process.getuid?.() === 0;
const hasPodman = existsSync('/usr/bin/podman');
const hasSkopeo = existsSync('/usr/bin/skopeo');

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-saveload-'));
  try {
    await fn(dir);
  } finally {
    spawnSync('sh', ['-c', `grep -o ' ${dir}[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l`]);
    await rm(dir, { recursive: true, force: true });
  }
}

const podman = (dir: string, args: string[]) =>
  execFileSync('podman', ['--root', join(dir, 'podman'), '--runroot', join(dir, 'podman-run'), '--storage-driver', 'vfs', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();

test('podman loads what gantry saves and gantry loads what podman saves', { skip: (!isRoot || !hasPodman) && 'needs root and podman' }, () =>
  withDir(async (dir) => {
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const src = join(dir, 'src.tar');
    const built = await buildImage({
      format: 'docker-archive',
      out: src,
      name: 'gantry/test:1',
      layers: [{ busybox: true }, { entries: [{ path: 'hello', content: 'world' }] }],
    });
    await svc.load(createReadStream(src));
    const saved = join(dir, 'saved.tar');
    const out = createWriteStream(saved);
    await svc.save(['gantry/test:1'], out);

    assert.match(podman(dir, ['load', '-i', saved]), /Loaded image: .*gantry\/test:1/);
    const ids = podman(dir, ['images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
    assert.match(ids, new RegExp(`^${built.configDigest.slice(7, 19)} .*gantry/test:1$`, 'm'));
    // podman's view of the unpacked image (running it needs rlimits this machine may not grant).
    const mnt = podman(dir, ['image', 'mount', 'gantry/test:1']).trim();
    try {
      assert.equal(readFileSync(join(mnt, 'hello'), 'utf8'), 'world');
      assert.ok(existsSync(join(mnt, 'bin/busybox')));
    } finally {
      podman(dir, ['image', 'unmount', 'gantry/test:1']);
    }

    const podmanSaved = join(dir, 'podman.tar');
    podman(dir, ['save', '-o', podmanSaved, 'gantry/test:1']);
    const other = await openImageService({ root: join(dir, 'root2'), runroot: join(dir, 'run2') });
    const loaded = await other.load(createReadStream(podmanSaved));
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0]!.id, built.configDigest);
    const rec = await other.resolve(loaded[0]!.id);
    assert.deepEqual(rec.config.rootfs.diff_ids, built.diffIds);
    for (const c of built.chainIds) assert.ok(await other.unpacker.hasSnapshot(c));
  }),
);

test('gantry loads an OCI archive skopeo made', { skip: (!isRoot || !hasSkopeo) && 'needs root and skopeo' }, () =>
  withDir(async (dir) => {
    const layout = join(dir, 'layout');
    const built = await buildImage({ format: 'oci-dir', out: layout, name: 'v1', layers: [{ busybox: true }], compression: 'zstd' });
    const archive = join(dir, 'oci.tar');
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:v1`, `oci-archive:${archive}:docker.io/library/fromskopeo:v1`]);
    const svc = await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const loaded = await svc.load(createReadStream(archive));
    assert.equal(loaded.length, 1);
    const rec = await svc.resolve(loaded[0]!.id);
    assert.deepEqual(rec.config.rootfs.diff_ids, built.diffIds);
    assert.ok(await svc.unpacker.hasSnapshot(built.chainIds[0]!));
  }),
);
