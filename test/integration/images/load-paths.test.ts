// `load` resolves every name inside the archive only: Layers, Config, manifest.json,
// index.json and blobs/… that lead out of it ("..", absolute, symlinks to host
// files, device entries) fail naming the entry, print no digest of outside data
// and store nothing; symlinks between entries (docker's legacy format) still load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { openImageService, type ImageService } from '../../../src/images/service.js';
import { tarOf } from './registry-images.js';

const isRoot = process.getuid?.() === 0;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

type Entry =
  | { name: string; content: Buffer | string }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; dir: true }
  | { name: string; charDevice: [number, number] };

async function archive(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const base = { name: e.name, mtime: new Date(1700000000000), uid: 0, gid: 0 };
    if ('content' in e) p.entry({ ...base, mode: 0o644 }, Buffer.from(e.content));
    else if ('symlink' in e) p.entry({ ...base, type: 'symlink', linkname: e.symlink });
    else if ('hardlink' in e) p.entry({ ...base, type: 'link', linkname: e.hardlink });
    else if ('dir' in e) p.entry({ ...base, type: 'directory', mode: 0o755 });
    else p.entry({ ...base, type: 'character-device', devmajor: e.charDevice[0], devminor: e.charDevice[1], mode: 0o644 });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A valid one-layer image: its layer tar and config. */
async function image(file: string) {
  const layer = await tarOf([{ name: file, content: `${file}\n` }]);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } });
  return { layer, config };
}

async function withService(fn: (svc: ImageService, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-load-paths-'));
  try {
    await fn(await openImageService({ root: join(dir, 'root'), runroot: join(dir, 'run') }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function assertStoreEmpty(svc: ImageService) {
  const blobs: string[] = [];
  for await (const b of svc.content.list()) blobs.push(b.digest);
  assert.deepEqual(blobs, [], 'no blob stored');
  assert.deepEqual(await svc.content.listIngests(), [], 'no ingest left');
  assert.deepEqual(await svc.list(), [], 'no image recorded');
  assert.deepEqual(await readdir(join(svc.root, 'tmp')), [], 'staging removed');
}

test('docker-archive names leading out of the archive fail, naming the entry, and store nothing', { skip: !isRoot && 'needs root' }, () =>
  withService(async (svc, dir) => {
    // An outside file the archive could reach: <root>/tmp/load-*/../../../secret.
    const secret = join(dir, 'secret');
    await writeFile(secret, 'outside data\n');
    const { layer, config } = await image('ok');
    const cases: { what: string; entries: Entry[]; error: RegExp }[] = [];
    for (const target of ['../../etc/shadow', '../../../secret', '/etc/shadow', secret]) {
      cases.push({
        what: `Layers ${target}`,
        entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['evil:1'], Layers: [target] }]) }, { name: 'c.json', content: config }],
        error: new RegExp(`manifest.json Layers entry "${target}" points outside the archive`),
      });
      cases.push({
        what: `Config ${target}`,
        entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: target, RepoTags: ['evil:1'], Layers: ['l.tar'] }]) }, { name: 'l.tar', content: layer }],
        error: new RegExp(`manifest.json Config "${target}" points outside the archive`),
      });
    }
    for (const link of ['/etc/shadow', '../../../secret', secret]) {
      cases.push({
        what: `Layers symlink to ${link}`,
        entries: [
          { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['abc/layer.tar'] }]) },
          { name: 'c.json', content: config },
          { name: 'abc/', dir: true },
          { name: 'abc/layer.tar', symlink: link },
        ],
        error: new RegExp(`manifest.json Layers entry "abc/layer.tar": symlink entry "abc/layer.tar" -> "${link}" points outside the archive`),
      });
      cases.push({
        what: `Config symlink to ${link}`,
        entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'] }]) }, { name: 'l.tar', content: layer }, { name: 'c.json', symlink: link }],
        error: new RegExp(`manifest.json Config "c.json": symlink entry "c.json" -> "${link}" points outside the archive`),
      });
    }
    cases.push({
      what: 'a symlinked directory leading out',
      entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['d/shadow'] }]) }, { name: 'c.json', content: config }, { name: 'd', symlink: '/etc' }],
      error: /manifest.json Layers entry "d\/shadow": symlink entry "d" -> "\/etc" points outside the archive/,
    });
    cases.push({
      what: 'manifest.json itself a symlink to a host file',
      entries: [{ name: 'manifest.json', symlink: '/etc/shadow' }],
      error: /manifest.json "manifest.json": symlink entry "manifest.json" -> "\/etc\/shadow" points outside the archive/,
    });
    cases.push({
      what: 'a layer that is a device entry',
      entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['zero'] }]) }, { name: 'c.json', content: config }, { name: 'zero', charDevice: [1, 5] }],
      error: /manifest.json Layers entry "zero": archive entry "zero" is not a regular file/,
    });
    cases.push({
      what: 'a hardlink to a host file',
      entries: [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'] }]) }, { name: 'c.json', content: config }, { name: 'l.tar', hardlink: '/etc/shadow' }],
      error: /hardlink entry "l.tar" to "\/etc\/shadow" points outside the archive/,
    });
    const outsideDigests = [sha('outside data\n')];
    for (const c of cases) {
      await assert.rejects(svc.load(Readable.from(await archive(c.entries))), (err: Error) => {
        assert.match(err.message, c.error, c.what);
        for (const d of outsideDigests) assert.ok(!err.message.includes(d), `${c.what}: no digest of outside data in "${err.message}"`);
        assert.doesNotMatch(err.message, /sha256:/, c.what);
        return true;
      });
      await assertStoreEmpty(svc);
    }
  }),
);

test('OCI layout names leading out of the archive fail and store nothing', { skip: !isRoot && 'needs root' }, () =>
  withService(async (svc) => {
    const { layer, config } = await image('ok');
    const layerHex = sha(layer);
    const configHex = sha(config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerHex}`, size: layer.length }],
    });
    const index = JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length }] });
    const good: Entry[] = [
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', content: index },
      { name: `blobs/sha256/${sha(manifest)}`, content: manifest },
      { name: `blobs/sha256/${configHex}`, content: config },
      { name: `blobs/sha256/${layerHex}`, content: layer },
    ];
    const replace = (name: string, e: Entry) => good.map((g) => (g.name === name ? e : g));
    const cases: { entries: Entry[]; error: RegExp }[] = [
      { entries: replace('index.json', { name: 'index.json', symlink: '/etc/shadow' }), error: /index.json "index.json": symlink entry "index.json" -> "\/etc\/shadow" points outside the archive/ },
      {
        entries: replace(`blobs/sha256/${layerHex}`, { name: `blobs/sha256/${layerHex}`, symlink: '../../../../../etc/shadow' }),
        error: new RegExp(`layer "blobs/sha256/${layerHex}": symlink entry "blobs/sha256/${layerHex}" -> "../../../../../etc/shadow" points outside the archive`),
      },
      {
        entries: replace(`blobs/sha256/${configHex}`, { name: `blobs/sha256/${configHex}`, symlink: '/etc/shadow' }),
        error: new RegExp(`image config "blobs/sha256/${configHex}": symlink entry .* points outside the archive`),
      },
      { entries: [...replace('index.json', { name: 'x', content: '' }), { name: 'blobs', symlink: '/var/lib' }, { name: 'index.json', content: index }], error: /symlink entry "blobs" -> "\/var\/lib" points outside the archive/ },
    ];
    for (const c of cases) {
      await assert.rejects(svc.load(Readable.from(await archive(c.entries))), c.error);
      await assertStoreEmpty(svc);
    }
    // The same layout without the bad entries loads.
    assert.equal((await svc.load(Readable.from(await archive(good)))).length, 1);
  }),
);

test('docker legacy archives whose layer dirs are symlinks to other entries load', { skip: !isRoot && 'needs root' }, () =>
  withService(async (svc) => {
    const a = await image('shared');
    const bLayer2 = await tarOf([{ name: 'b', content: 'b\n' }]);
    const bConfig = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(a.layer)}`, `sha256:${sha(bLayer2)}`] },
    });
    // docker save < 25: one dir per layer; a layer two images share appears once and is linked from the other's dir.
    const entries: Entry[] = [
      { name: 'l1/', dir: true },
      { name: 'l1/layer.tar', content: a.layer },
      { name: 'l1/VERSION', content: '1.0' },
      { name: 'l2/', dir: true },
      { name: 'l2/layer.tar', symlink: '../l1/layer.tar' },
      { name: 'l3/', dir: true },
      { name: 'l3/layer.tar', content: bLayer2 },
      { name: 'l4', symlink: 'l3' },
      { name: 'hard.tar', hardlink: 'l3/layer.tar' },
      { name: `${sha(a.config)}.json`, content: a.config },
      { name: `${sha(bConfig)}.json`, content: bConfig },
      {
        name: 'manifest.json',
        content: JSON.stringify([
          { Config: `${sha(a.config)}.json`, RepoTags: ['a:1'], Layers: ['l1/layer.tar'] },
          { Config: `./${sha(bConfig)}.json`, RepoTags: ['b:1'], Layers: ['l2/layer.tar', 'l4/layer.tar'] },
          { Config: `${sha(bConfig)}.json`, RepoTags: ['c:1'], Layers: ['l2/../l1/layer.tar', 'hard.tar'] },
        ]),
      },
    ];
    const loaded = await svc.load(Readable.from(await archive(entries)));
    assert.deepEqual(
      loaded.map((l) => l.names),
      [['docker.io/library/a:1'], ['docker.io/library/b:1'], ['docker.io/library/c:1']],
    );
    assert.equal(loaded[1]!.id, `sha256:${sha(bConfig)}`);
    assert.equal(loaded[2]!.id, loaded[1]!.id);
    assert.deepEqual(await readdir(join(svc.root, 'tmp')), []);
  }),
);
