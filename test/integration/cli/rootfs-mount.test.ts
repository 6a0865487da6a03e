// The container's rootfs is mounted by its monitor (no mount(8) spawn) and
// unmounted when the container exits; the user is resolved from the snapshot's
// layers; a failed mount is a clear error that leaves nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

/** Container rootfs mounts (network namespaces are mounted under the runroot too). */
const rootfsMounts = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(join(g.runroot, 'containers')));
const rootfsOf = (id: string) => join(g.runroot, 'containers', id.slice(0, 12), 'rootfs');
const cgroupsOf = (id: string) => readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, 'gantry', id)).filter((p) => existsSync(p));

async function runDetached(args: string[]): Promise<string> {
  const r = await g.run(['run', '-d', '--network', 'none', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('the rootfs is mounted while the container runs and released when it exits', async () => {
  const id = await runDetached(['busybox', 'sleep', '1000']);
  assert.deepEqual(rootfsMounts(), [rootfsOf(id)]);
  assert.ok(existsSync(join(rootfsOf(id), 'bin', 'busybox')), 'the rootfs is visible on the host');
  assert.equal((await g.run(['stop', '-t', '0', id])).code, 0);
  assert.deepEqual(rootfsMounts(), []);
  const again = await g.run(['start', id]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(rootfsMounts(), [rootfsOf(id)]);
  assert.equal((await g.run(['rm', '-f', id])).code, 0);
  assert.deepEqual(rootfsMounts(), []);

  const fg = await g.run(['run', '--rm', '--network', 'none', '-u', 'nobody', 'busybox', 'id']);
  assert.equal(fg.stdout, 'uid=65534(nobody) gid=65534(nogroup)\n', fg.stderr);
  assert.deepEqual(rootfsMounts(), []);
  const unknown = await g.run(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'id']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /unable to find user nosuchuser/);
  assert.deepEqual(rootfsMounts(), []);
});

test('user files the layers cannot tell apart without a mount are read from a mounted rootfs', async () => {
  // The container's own /etc (in its upper layer) could be opaque: the engine mounts and reads.
  const id = await runDetached(['busybox', 'sh', '-c', 'echo x > /etc/extra; exec sleep 1000']);
  assert.equal((await g.run(['stop', '-t', '0', id])).code, 0);
  const r = await g.run(['start', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await g.run(['exec', id, 'cat', '/etc/extra'])).stdout, 'x\n');
  assert.deepEqual(rootfsMounts(), [rootfsOf(id)]);
  const id2 = await runDetached(['-u', 'nobody', 'busybox', 'sh', '-c', 'mkdir -p /etc/x; exec sleep 1000']);
  assert.equal((await g.run(['stop', '-t', '0', id2])).code, 0);
  assert.equal((await g.run(['start', id2])).code, 0);
  assert.equal((await g.run(['exec', id2, 'id', '-u'])).stdout, '65534\n');
  assert.equal((await g.run(['rm', '-f', id, id2])).code, 0);
  assert.deepEqual(rootfsMounts(), []);
});

test('a rootfs the monitor cannot mount fails the start clearly and leaves nothing behind', async () => {
  const created = await g.run(['create', '--network', 'none', 'busybox', 'true']);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  const snapshots = join(g.root, 'snapshots');
  const keyDir = join(snapshots, 'keys');
  const own = JSON.parse(readFileSync(join(keyDir, readlinkSync(join(keyDir, id)), 'info.json'), 'utf8')) as { parent: string };
  const layer = join(keyDir, readlinkSync(join(keyDir, own.parent.replace(/:/g, '-'))), 'fs');
  await rename(layer, `${layer}.away`);
  try {
    const r = await g.run(['start', id]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /mount overlay rootfs .*rootfs: ENOENT/);
    assert.deepEqual(rootfsMounts(), []);
    assert.deepEqual(cgroupsOf(id), []);
    assert.equal(existsSync(join(g.runroot, 'runtime', id)), false);
    const state = JSON.parse((await g.run(['inspect', '-f', '{{json .State}}', id])).stdout) as { Status: string; Error: string };
    assert.equal(state.Status, 'created');
    assert.match(state.Error, /mount overlay rootfs/);
  } finally {
    await rename(`${layer}.away`, layer);
  }
  const r = await g.run(['start', '-a', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await g.run(['rm', id])).code, 0);
  assert.deepEqual(rootfsMounts(), []);
});
