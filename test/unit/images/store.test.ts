import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../../src/images/store/image-store.js';
import { FileLock } from '../../../src/images/store/lock.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/image-spec.js';

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-store-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const manifest = (s: string) => ({ mediaType: MediaType.OciManifest, digest: sha256Digest(s), size: s.length });

test('recordImage tags images and moving a tag leaves the old image dangling', () =>
  withDir(async (dir) => {
    const store = new ImageStore(dir);
    await store.init();
    const a = sha256Digest('config a');
    const b = sha256Digest('config b');
    await store.recordImage({ name: 'docker.io/library/busybox:latest', repoDigest: `docker.io/library/busybox@${sha256Digest('m1')}`, manifest: manifest('m1'), configDigest: a });
    await store.recordImage({ name: 'docker.io/library/busybox:latest', repoDigest: `docker.io/library/busybox@${sha256Digest('m2')}`, manifest: manifest('m2'), configDigest: b });
    const imgA = await store.get(a);
    const imgB = await store.get(b);
    assert.deepEqual(imgA?.tags, []);
    assert.deepEqual(imgB?.tags, ['docker.io/library/busybox:latest']);
    assert.deepEqual(imgB?.digests, [`docker.io/library/busybox@${sha256Digest('m2')}`]);
    assert.equal((await store.list()).length, 2);
  }));

test('concurrent updates are serialized by the lock', () =>
  withDir(async (dir) => {
    const stores = [new ImageStore(dir), new ImageStore(dir), new ImageStore(dir)];
    await stores[0]!.init();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % 3]!.recordImage({ name: `docker.io/library/img${i}:latest`, manifest: manifest(`m${i}`), configDigest: sha256Digest(`c${i}`) }),
      ),
    );
    assert.equal((await stores[0]!.list()).length, 30);
  }));

test('a lock left by a dead process is taken over', () =>
  withDir(async (dir) => {
    const path = join(dir, 'x.lock');
    await writeFile(path, '999999999');
    const lock = new FileLock(path);
    assert.equal(await lock.run(async () => 42), 42);
  }));
