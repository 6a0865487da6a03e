import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../../src/images/content/index.js';
import { pullImage } from '../../../src/images/pull.js';
import { Snapshotter } from '../../../src/images/snapshots/snapshotter.js';
import { ImageStore } from '../../../src/images/store/image-store.js';
import { createLayerUnpacker } from '../../../src/images/unpack.js';
import { chainIds } from '../../../src/oci/digest.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, simpleImage, type BuiltLayout } from './registry-images.js';

/** path -> "type mode uid:gid content-hash|link-target" for every entry under dir. */
async function treeOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const p = join(rel, name);
      const st = await lstat(join(dir, p));
      const mode = (st.mode & 0o7777).toString(8);
      let what: string;
      if (st.isSymbolicLink()) what = `link ${await readlink(join(dir, p))}`;
      else if (st.isDirectory()) what = `dir ${mode}`;
      else if (st.isFile()) what = `file ${mode} ${createHash('sha256').update(await readFile(join(dir, p))).digest('hex')}`;
      else what = `special ${mode} ${st.rdev}`;
      out.set(p, `${what} ${st.uid}:${st.gid}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk('');
  return out;
}

describe('pull matches docker and umoci', () => {
  let reg: TestRegistry;
  let work: string;
  let layout: BuiltLayout;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-pull-cli-'));
    reg = await startRegistry();
    const rootfs = join(work, 'rootfs');
    execFileSync('sh', ['scripts/busybox-rootfs.sh', rootfs]);
    layout = await buildLayout(join(work, 'img'), [
      {
        layers: [
          { dir: rootfs },
          ...simpleImage('gzip').layers, // umoci 0.4 cannot read zstd layers
          {
            compression: 'gzip',
            files: [
              { name: 'etc/.wh.hostname', content: '' },
              { name: 'data/.wh..wh..opq', content: '' },
              { name: 'data/new.txt', content: 'replaced', mode: 0o4755 },
              { name: 'bin/.wh.ls', content: '' },
            ],
          },
        ],
      },
    ]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/fixture/app:latest`);
  });
  after(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('gantry pull prints docker lines when not on a terminal', () => {
    const env = { ...process.env, GANTRY_ROOT: join(work, 'groot'), GANTRY_RUNROOT: join(work, 'grun'), DOCKER_CONFIG: join(work, 'dc') };
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'pull', `${reg.host}/fixture/app`], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'Using default tag: latest');
    assert.equal(lines[1], 'latest: Pulling from fixture/app');
    const id = layout.manifests[0]!.layerDigests[0]!.slice(7, 19);
    for (const s of ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete']) assert.ok(lines.includes(`${id}: ${s}`), s);
    assert.ok(!r.stdout.includes('Downloading'), 'no byte counts without a terminal');
    assert.deepEqual(lines.slice(-3), [`Digest: ${layout.digest}`, `Status: Downloaded newer image for ${reg.host}/fixture/app:latest`, `${reg.host}/fixture/app:latest`]);
    const q = spawnSync(process.execPath, ['dist/src/cli/main.js', 'pull', '-q', `${reg.host}/fixture/app`], { encoding: 'utf8', env });
    assert.equal(q.stdout, `${reg.host}/fixture/app:latest\n`);
    const missing = spawnSync(process.execPath, ['dist/src/cli/main.js', 'pull', `${reg.host}/fixture/app:nope`], { encoding: 'utf8', env });
    assert.equal(missing.status, 1); // docker pull exits 1 for the daemon's errors
    assert.equal(missing.stderr, `Error response from daemon: manifest for ${reg.host}/fixture/app:nope not found: manifest unknown: manifest unknown\n`);
  });

  test('the unpacked tree equals umoci unpack of the same OCI layout', async () => {
    const root = await mkdtemp(join(work, 'root-'));
    const snapshots = new Snapshotter(join(root, 'snapshots'), 'native');
    await snapshots.init();
    const images = new ImageStore(join(root, 'images'));
    await images.init();
    await pullImage({ content: openContentStore(join(root, 'content')), unpacker: createLayerUnpacker(snapshots), images }, `${reg.host}/fixture/app`);
    const top = await snapshots.stat(chainIds(layout.manifests[0]!.diffIds).at(-1)!);
    assert.ok(top);
    const bundle = join(work, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout.dir}:latest`, bundle], { stdio: 'ignore' });
    const ours = await treeOf(snapshots.fsPath(top.id));
    const theirs = await treeOf(join(bundle, 'rootfs'));
    assert.deepEqual([...ours.keys()].filter((k) => !theirs.has(k)), []);
    assert.deepEqual([...theirs.keys()].filter((k) => !ours.has(k)), []);
    for (const [k, v] of theirs) assert.equal(ours.get(k), v, k);
    assert.ok(!ours.has('etc/hostname') && !ours.has('data/blob.bin') && ours.has('data/new.txt'));
  });
});
