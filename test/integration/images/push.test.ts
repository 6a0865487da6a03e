import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullImage, type ProgressEvent } from '../../../src/images/pull.js';
import { pushImage } from '../../../src/images/push.js';
import { detectSnapshotter } from '../../../src/images/snapshots/detect.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, simpleImage, type BuiltLayout } from './registry-images.js';
import { openStores } from './stores.js';

const openStoresDetected = async (root: string) => openStores(root, await detectSnapshotter(root));

const statusLines = (events: ProgressEvent[]) => events.map((e) => (e.id ? `${e.id}: ${e.status}` : e.status));

describe('push', () => {
  let reg: TestRegistry;
  let work: string;
  let layout: BuiltLayout;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-push-'));
    reg = await startRegistry();
    layout = await buildLayout(join(work, 'img'), [simpleImage('gzip')]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/source:latest`);
  });
  after(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('mounts blobs across repositories, skips existing ones and the result pulls back', async () => {
    const stores = await openStoresDetected(await mkdtemp(join(work, 'root-')));
    const pulled = await pullImage(stores, `${reg.host}/test/source:latest`);
    const events: ProgressEvent[] = [];
    const res = await pushImage(stores, { manifest: pulled.manifest }, `${reg.host}/test/copy:v2`, { onProgress: (e) => events.push(e) });
    assert.equal(res.digest, layout.digest);
    const lines = statusLines(events);
    for (const d of layout.manifests[0]!.layerDigests) assert.ok(lines.includes(`${d.slice(7, 19)}: Mounted from test/source`), lines.join('\n'));
    assert.equal(lines.at(-1), `v2: digest: ${layout.digest} size: ${res.size}`);

    const again: ProgressEvent[] = [];
    await pushImage(stores, { manifest: pulled.manifest }, `${reg.host}/test/copy:v3`, { onProgress: (e) => again.push(e) });
    assert.ok(statusLines(again).filter((l) => l.endsWith('Layer already exists')).length === 3);

    const fresh = await openStoresDetected(await mkdtemp(join(work, 'root-')));
    const back = await pullImage(fresh, `${reg.host}/test/copy:v2`);
    assert.equal(back.digest, layout.digest);
  });

  test('uploads in chunks to another registry, byte-exact manifests', async () => {
    const other = await startRegistry();
    try {
      const stores = await openStoresDetected(await mkdtemp(join(work, 'root-')));
      const pulled = await pullImage(stores, `${reg.host}/test/source:latest`);
      const events: ProgressEvent[] = [];
      await pushImage(stores, { manifest: pulled.manifest }, `${other.host}/chunked/app:1`, { chunkSize: 64 * 1024, onProgress: (e) => events.push(e) });
      assert.equal(statusLines(events).filter((l) => l.endsWith(': Pushed')).length, 3);
      const fresh = await openStoresDetected(await mkdtemp(join(work, 'root-')));
      const back = await pullImage(fresh, `${other.host}/chunked/app:1`);
      assert.equal(back.digest, layout.digest);
    } finally {
      await other.stop();
    }
  });
});

test('podman pulls and runs an image Gantry pushed', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-push-podman-'));
  let reg: TestRegistry | undefined;
  try {
    reg = await startRegistry();
    const rootfs = join(work, 'rootfs');
    execFileSync('sh', ['scripts/busybox-rootfs.sh', rootfs]);
    const layout = await buildLayout(join(work, 'bb'), [{ layers: [{ dir: rootfs }], cmd: ['/bin/sh'] }]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/fixture/busybox:latest`);
    const stores = await openStoresDetected(await mkdtemp(join(work, 'root-')));
    const pulled = await pullImage(stores, `${reg.host}/fixture/busybox:latest`);
    await pushImage(stores, { manifest: pulled.manifest }, `${reg.host}/gantry/busybox:pushed`);
    const podman = ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
    const pull = spawnSync('podman', [...podman, 'pull', '--tls-verify=false', `${reg.host}/gantry/busybox:pushed`], { encoding: 'utf8' });
    assert.equal(pull.status, 0, pull.stderr);
    // runc: crun refuses this machine's hybrid cgroup layout (cgroup2 holding only hugetlb)
    const run = spawnSync('podman', [...podman, '--runtime', 'runc', 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', `${reg.host}/gantry/busybox:pushed`, 'echo', 'hello from gantry'], { encoding: 'utf8' });
    if (run.status !== 0 && /cgroup|runtime|OCI/i.test(run.stderr)) {
      t.skip(`podman cannot run containers here: ${run.stderr.trim()}`);
      return;
    }
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'hello from gantry');
  } finally {
    spawnSync('podman', ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), 'rm', '-af'], { stdio: 'ignore' });
    spawnSync('umount', [join(work, 'podman-root', 'overlay')], { stdio: 'ignore' });
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  }
});
