import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullImage, type ProgressEvent } from '../../../src/images/pull.js';
import { chainIds } from '../../../src/oci/digest.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, simpleImage, startProxy, type BuiltLayout } from './registry-images.js';
import { openStores } from './stores.js';

describe('pull from a plain-HTTP registry', () => {
  let reg: TestRegistry;
  let work: string;
  let simple: BuiltLayout;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-pull-'));
    reg = await startRegistry();
    simple = await buildLayout(join(work, 'simple'), [simpleImage('gzip')], 'v1');
    await skopeoCopy(`oci:${simple.dir}:v1`, `docker://${reg.host}/test/simple:v1`);
  });
  after(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('pulls a multi-layer image, unpacks it and reports progress like docker', async () => {
    const root = await mkdtemp(join(work, 'root-'));
    const stores = await openStores(root);
    const events: ProgressEvent[] = [];
    const res = await pullImage(stores, `${reg.host}/test/simple:v1`, { onProgress: (e) => events.push(e) });
    assert.equal(res.reference, `${reg.host}/test/simple:v1`);
    assert.equal(res.digest, simple.digest);
    const m = simple.manifests[0]!;
    assert.equal(res.configDigest.startsWith('sha256:'), true);
    for (const d of [simple.digest, res.configDigest, ...m.layerDigests]) assert.equal(await stores.content.has(d), true, d);
    const top = chainIds(m.diffIds).at(-1)!;
    const info = await stores.snapshots.stat(top);
    assert.ok(info, 'top snapshot exists');
    const fs = stores.snapshots.fsPath(info.id);
    assert.equal(await readFile(join(fs, 'etc/hostname'), 'utf8'), 'gantry\n');
    assert.equal(await readlink(join(fs, 'data/link')), 'blob.bin');
    const statuses = events.map((e) => (e.id ? `${e.id}: ${e.status}` : e.status)).filter((s) => !s.includes('Downloading'));
    assert.equal(statuses[0], 'v1: Pulling from test/simple');
    const id = m.layerDigests[1]!.slice(7, 19);
    for (const s of ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete']) {
      assert.ok(statuses.includes(`${id}: ${s}`), `${s} in ${statuses.join('\n')}`);
    }
    assert.equal(statuses.at(-2), `Digest: ${simple.digest}`);
    assert.equal(statuses.at(-1), `Status: Downloaded newer image for ${reg.host}/test/simple:v1`);
    const again: ProgressEvent[] = [];
    await pullImage(stores, `${reg.host}/test/simple:v1`, { onProgress: (e) => again.push(e) });
    assert.equal(again.at(-1)?.status, `Status: Image is up to date for ${reg.host}/test/simple:v1`);
    assert.ok(again.some((e) => e.status === 'Already exists'));
    assert.deepEqual(await stores.content.listIngests(), []);
  });

  test('pulls by digest, zstd and uncompressed layers', async () => {
    const layout = await buildLayout(join(work, 'zstd'), [
      { layers: [...simpleImage('zstd').layers, { compression: 'none', files: [{ name: 'plain.txt', content: 'plain' }] }] },
    ]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/zstd:latest`);
    const root = await mkdtemp(join(work, 'root-'));
    const stores = await openStores(root);
    const res = await pullImage(stores, `${reg.host}/test/zstd@${layout.digest}`);
    assert.equal(res.digest, layout.digest);
    const top = await stores.snapshots.stat(chainIds(layout.manifests[0]!.diffIds).at(-1)!);
    assert.equal(await readFile(join(stores.snapshots.fsPath(top!.id), 'plain.txt'), 'utf8'), 'plain');
    assert.equal(await readFile(join(stores.snapshots.fsPath(top!.id), 'app/run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  });

  test('selects the platform from an index and skips the others', async () => {
    const layout = await buildLayout(join(work, 'multi'), [
      { ...simpleImage('gzip', { os: 'linux', architecture: 'amd64' }), cmd: ['amd64'] },
      { layers: [{ files: [{ name: 'arch', content: 'arm64' }] }], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/multi:latest`, { all: true });
    const root = await mkdtemp(join(work, 'root-'));
    const stores = await openStores(root);
    const res = await pullImage(stores, `${reg.host}/test/multi`, { platform: 'linux/arm64' });
    assert.equal(res.digest, layout.digest);
    assert.equal(res.manifest.digest, layout.manifests[1]!.digest);
    assert.equal(await stores.content.has(layout.manifests[0]!.layerDigests[0]!), false);
    await assert.rejects(pullImage(stores, `${reg.host}/test/multi`, { platform: 'linux/s390x' }), /no matching manifest for linux\/s390x/);
  });

  test('unknown tags and repositories are "not found" errors naming the reference', async () => {
    const stores = await openStores(await mkdtemp(join(work, 'root-')));
    await assert.rejects(pullImage(stores, `${reg.host}/test/simple:nope`), (err: Error & { code?: string }) => {
      assert.equal(err.message, `manifest for ${reg.host}/test/simple:nope not found: manifest unknown: manifest unknown`);
      assert.equal(err.code, 'not-found');
      return true;
    });
    await assert.rejects(pullImage(stores, `${reg.host}/nothing/here`), { code: 'not-found' });
  });

  test('a corrupt blob is rejected and nothing of it is stored', async () => {
    const bad = simple.manifests[0]!.layerDigests[1]!;
    const proxy = await startProxy(reg.host, { corruptBlob: bad });
    try {
      const stores = await openStores(await mkdtemp(join(work, 'root-')));
      await assert.rejects(pullImage(stores, `${proxy.host}/test/simple:v1`));
      assert.equal(await stores.content.has(bad), false);
      const chain = chainIds(simple.manifests[0]!.diffIds);
      assert.equal(await stores.snapshots.stat(chain[1]!), undefined);
      assert.equal(await stores.snapshots.stat(chain[2]!), undefined);
      // Other layers stopped mid-download may keep their partial data for a resume;
      // the rejected blob must not.
      assert.deepEqual((await stores.content.listIngests()).filter((i) => i.ref === bad), []);
    } finally {
      await proxy.stop();
    }
  });
});

test('a registry killed mid-download: the pull fails, the next one resumes with Range', async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-pull-resume-'));
  let reg: TestRegistry | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  try {
    reg = await startRegistry();
    const layout = await buildLayout(join(work, 'big'), [
      { layers: [{ compression: 'none', files: [{ name: 'random.bin', content: randomBytes(4 << 20) }] }] },
    ]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/big:latest`);
    const blob = layout.manifests[0]!.layerDigests[0]!;
    proxy = await startProxy(reg.host, { stallBlob: { digest: blob, afterBytes: 1 << 20 } });
    const stores = await openStores(await mkdtemp(join(work, 'root-')));
    const first = pullImage(stores, `${proxy.host}/test/big:latest`);
    first.catch(() => {});
    await proxy.stalled;
    const { storageDir, port } = reg;
    await reg.stop({ keepStorage: true });
    proxy.releaseStalled();
    await assert.rejects(first);
    const ingests = await stores.content.listIngests();
    assert.equal(ingests.length, 1);
    assert.ok(ingests[0]!.offset > 0, 'partial data kept');
    reg = await startRegistry({ storageDir, port });
    await pullImage(stores, `${proxy.host}/test/big:latest`);
    // The failed pull's own retries and the resumed pull all ask for the rest only.
    assert.ok(proxy.ranges.length > 0);
    for (const r of proxy.ranges) assert.equal(r, `bytes=${ingests[0]!.offset}-`);
    assert.equal(await stores.content.has(blob), true);
    assert.deepEqual(await stores.content.listIngests(), []);
  } finally {
    await proxy?.stop();
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  }
});
