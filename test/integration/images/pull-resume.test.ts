// What an interrupted pull leaves in the content store's ingest never blocks the
// next pull: a complete ingest is verified and committed without a request, a bad
// one (wrong digest, too long, corrupt partial) is discarded and fetched again, a
// 416 on a resume starts over, and a real `kill -9` of `gantry pull` mid-download
// is followed by a pull that resumes and succeeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pullImage } from '../../../src/images/pull.js';
import { chainIds, type Digest } from '../../../src/oci/digest.js';
import { repoRoot } from '../../fixtures/image-builder.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, startProxy, type BuiltLayout, type TestProxy } from './registry-images.js';
import { openStores, runGantry } from './stores.js';

/** A pid no process has any more. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

/** Leaves an ingest the way a pull killed while holding it does: data, ref and a lock naming the dead pid. */
async function leaveIngest(contentRoot: string, digest: Digest, data: Buffer): Promise<void> {
  const dir = join(contentRoot, 'ingest', digest.replace(':', '%3a'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'data'), data);
  await writeFile(join(dir, 'ref'), digest);
  await writeFile(join(dir, 'lock'), String(deadPid()));
}

const flipped = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0xff;
  return c;
};

/** Eight 512 KiB random files in one gzip layer: a ~4 MiB blob whose partial bytes reach the unpacker. */
const bigImage = () => ({
  layers: [{ compression: 'gzip' as const, files: Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.bin`, content: randomBytes(512 << 10) })) }],
});

describe('pull after an interrupted pull', () => {
  let reg: TestRegistry;
  let work: string;
  let layout: BuiltLayout;
  let blob: Buffer;
  let digest: Digest;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-pull-leftover-'));
    reg = await startRegistry();
    layout = await buildLayout(join(work, 'img'), [bigImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/big:latest`);
    digest = layout.manifests[0]!.layerDigests[0]!;
    blob = await readFile(join(layout.dir, 'blobs', 'sha256', digest.slice(7)));
  });
  after(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Pulls through a fresh proxy into a root holding `left` as the layer's ingest; returns the proxy's blob GETs for the layer. */
  async function pullWithLeftover(left: Buffer, proxyOpts: Parameters<typeof startProxy>[1] = {}): Promise<string[]> {
    const root = await mkdtemp(join(work, 'root-'));
    const stores = await openStores(root);
    await leaveIngest(stores.content.root, digest, left);
    const proxy = await startProxy(reg.host, proxyOpts);
    try {
      await pullImage(stores, `${proxy.host}/test/big:latest`);
    } finally {
      await proxy.stop();
    }
    assert.equal(await stores.content.has(digest), true, 'layer committed');
    assert.deepEqual(await stores.content.listIngests(), [], 'no ingest left');
    assert.ok(await stores.snapshots.stat(chainIds(layout.manifests[0]!.diffIds)[0]!), 'layer unpacked');
    assert.deepEqual(await readdir(join(stores.snapshots.root, 'tmp')), [], 'no staging left');
    return proxy.blobGets.filter((g) => g.startsWith(digest)).map((g) => g.slice(digest.length + 1));
  }

  test('a complete ingest is verified and committed without a request', async () => {
    assert.deepEqual(await pullWithLeftover(blob), []);
  });

  test('a complete ingest with the wrong digest is discarded and fetched again', async () => {
    assert.deepEqual(await pullWithLeftover(flipped(blob, blob.length >> 1)), ['full']);
  });

  test('an ingest longer than the blob is discarded and fetched again', async () => {
    assert.deepEqual(await pullWithLeftover(Buffer.concat([blob, randomBytes(1000)])), ['full']);
  });

  test('a corrupt partial ingest is discarded and fetched again', async () => {
    const half = blob.length >> 1;
    // The unpacker never sees unverified bytes: the rest is fetched, the commit's check fails, the layer is fetched again.
    assert.deepEqual(await pullWithLeftover(flipped(blob.subarray(0, half), 0)), [`bytes=${half}-`, 'full']);
    assert.deepEqual(await pullWithLeftover(flipped(blob.subarray(0, half), half - 100)), [`bytes=${half}-`, 'full']);
  });

  test('a 416 answer to a resume starts over from zero', async () => {
    const half = blob.length >> 1;
    assert.deepEqual(await pullWithLeftover(blob.subarray(0, half), { refuseRanges: true }), [`bytes=${half}-`, 'full']);
  });
});

test('kill -9 of gantry pull mid-download: the next pull resumes and succeeds', async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-pull-kill-'));
  let reg: TestRegistry | undefined;
  let proxy: TestProxy | undefined;
  const env = { ...process.env, GANTRY_ROOT: join(work, 'root'), GANTRY_RUNROOT: join(work, 'run'), GANTRY_PREWARM: '0', GANTRY_SNAPSHOTTER: 'native' };
  try {
    reg = await startRegistry();
    const layout = await buildLayout(join(work, 'img'), [bigImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/big:latest`);
    const digest = layout.manifests[0]!.layerDigests[0]!;
    const afterBytes = 2 << 20;
    proxy = await startProxy(reg.host, { stallBlob: { digest, afterBytes } });
    const child = spawn(join(repoRoot(), 'bin/gantry'), ['pull', '-q', `${proxy.host}/test/big:latest`], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await proxy.stalled;
    // Wait until the stalled bytes are in the ingest, then kill.
    const data = join(work, 'root', 'content', 'ingest', digest.replace(':', '%3a'), 'data');
    while (((await stat(data).catch(() => undefined))?.size ?? 0) < afterBytes) await sleep(20);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    proxy.releaseStalled();

    const again = await runGantry(['pull', '-q', `${proxy.host}/test/big:latest`], env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, `${proxy.host}/test/big:latest\n`);
    // The second pull asked only for the rest.
    assert.deepEqual(proxy.ranges, [`bytes=${afterBytes}-`]);
    const ls = await runGantry(['images', '--format', '{{.Repository}}:{{.Tag}}'], env);
    assert.equal(ls.stdout, `${proxy.host}/test/big:latest\n`);
  } finally {
    await proxy?.stop();
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('kill -9 of gantry pull after the blob arrived but before its commit: the next pull commits it without fetching it', async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-pull-kill-'));
  let reg: TestRegistry | undefined;
  let proxy: TestProxy | undefined;
  const env = { ...process.env, GANTRY_ROOT: join(work, 'root'), GANTRY_RUNROOT: join(work, 'run'), GANTRY_PREWARM: '0' };
  try {
    reg = await startRegistry();
    const layout = await buildLayout(join(work, 'img'), [bigImage()]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/big:latest`);
    const digest = layout.manifests[0]!.layerDigests[0]!;
    const size = (await stat(join(layout.dir, 'blobs', 'sha256', digest.slice(7)))).size;
    // Every byte goes out, but the chunked response never ends: the pull waits for the end it would commit at.
    proxy = await startProxy(reg.host, { stallBlob: { digest, afterBytes: size, chunked: true } });
    const child = spawn(join(repoRoot(), 'bin/gantry'), ['pull', '-q', `${proxy.host}/test/big:latest`], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await proxy.stalled;
    const data = join(work, 'root', 'content', 'ingest', digest.replace(':', '%3a'), 'data');
    while (((await stat(data).catch(() => undefined))?.size ?? 0) < size) await sleep(20);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    proxy.releaseStalled();
    const fetched = proxy.blobGets.filter((g) => g.startsWith(digest)).length;

    const again = await runGantry(['pull', '-q', `${proxy.host}/test/big:latest`], env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(proxy.blobGets.filter((g) => g.startsWith(digest)).length, fetched, 'no second request for the layer');
    assert.deepEqual(proxy.ranges, []);
    assert.deepEqual(await readdir(join(work, 'root', 'content', 'ingest')), []);
  } finally {
    await proxy?.stop();
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  }
});
