// The CRI ImageService through gantry system service --cri against a real
// registry with Basic auth: pull with the kubelet's credentials, list, status,
// remove, and the image filesystem's usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startRegistry, TEST_PASSWORD, TEST_USER, type TestRegistry } from '../../fixtures/registry.js';
import { startCri, type CriHarness } from './cri-client.js';

let g: Gantry;
let reg: TestRegistry;
let cri: CriHarness;
let dockerConfig: string;
let image: string;

before(async () => {
  g = await Gantry.create();
  dockerConfig = await mkdtemp(join(tmpdir(), 'gantry-cri-docker-config-'));
  g.env.DOCKER_CONFIG = dockerConfig;
  reg = await startRegistry({ auth: 'basic' });
  image = `${reg.host}/team/busybox:1.0`;
  const steps = [
    ['login', '-u', TEST_USER, '--password-stdin', reg.host],
    ['tag', 'busybox:latest', image],
    ['push', image],
    ['rmi', image],
    ['logout', reg.host],
  ];
  for (const args of steps) {
    const r = await g.run(args, `${TEST_PASSWORD}\n`);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  cri = await startCri(g);
});

after(async () => {
  await cri?.stop();
  await reg?.stop();
  await g?.cleanup();
  await rm(dockerConfig, { recursive: true, force: true });
  await removeRootfsCache();
});

test('PullImage needs the credentials; ImageStatus, ListImages, RemoveImage, ImageFsInfo', async () => {
  assert.equal((await cri.image.call('ImageStatus', { image: { image } })).image, null);
  await assert.rejects(cri.image.call('PullImage', { image: { image } }), (e: any) => e.code === 16 || /unauthorized/i.test(e.details));
  const { image_ref: ref } = await cri.image.call('PullImage', { image: { image }, auth: { username: TEST_USER, password: TEST_PASSWORD, server_address: reg.host } });
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);

  const st = (await cri.image.call('ImageStatus', { image: { image } })).image;
  assert.equal(st.id, ref);
  assert.deepEqual(st.repo_tags.sort(), ['docker.io/library/busybox:latest', image].sort());
  assert.equal(st.repo_digests.length, 1);
  assert.match(st.repo_digests[0], new RegExp(`^${reg.host}/team/busybox@sha256:`));
  assert.ok(Number(st.size) > 0);
  assert.equal((await cri.image.call('ImageStatus', { image: { image: ref } })).image.id, ref);

  const all = (await cri.image.call('ListImages', {})).images;
  assert.ok(all.some((i: any) => i.id === ref && i.repo_tags.includes(image)));
  assert.ok(all.some((i: any) => i.repo_tags.includes('docker.io/library/busybox:latest')));
  assert.deepEqual((await cri.image.call('ListImages', { filter: { image: { image } } })).images.map((i: any) => i.id), [ref]);
  assert.deepEqual((await cri.image.call('ListImages', { filter: { image: { image: 'no-such:1' } } })).images, []);

  const fs = (await cri.image.call('ImageFsInfo', {})).image_filesystems;
  assert.equal(fs.length, 1);
  assert.ok(Number(fs[0].used_bytes.value) > 0);
  assert.ok(fs[0].fs_id.mountpoint.startsWith(g.root));

  // busybox:latest is the same image: RemoveImage drops every name of it.
  await cri.image.call('RemoveImage', { image: { image } });
  assert.equal((await cri.image.call('ImageStatus', { image: { image } })).image, null);
  assert.equal((await cri.image.call('ImageStatus', { image: { image: ref } })).image, null);
  await cri.image.call('RemoveImage', { image: { image } });
  await cri.image.call('RemoveImage', { image: { image: 'never-existed:1' } });
});
