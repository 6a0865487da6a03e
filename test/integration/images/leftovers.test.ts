// Half-unpacked layers of killed pulls: `system df` shows exactly the bytes GC
// sees (in the Images row), and `image prune` / `system prune` remove them at once
// when their writer is dead, while a running writer's staging dir stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { humanSize } from '../../../src/cli/units.js';
import { processStartTime } from '../../../src/sys/process-alive.js';
import { repoRoot } from '../../fixtures/image-builder.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildLayout, startProxy, type TestProxy } from './registry-images.js';
import { runGantry } from './stores.js';

const isRoot = process.getuid?.() === 0;

/** Sum of file sizes under path (what GC counts). */
async function fileBytes(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let n = 0;
  for (const e of await readdir(path)) n += await fileBytes(join(path, e));
  return n;
}

const imagesRow = async (env: NodeJS.ProcessEnv) => {
  const df = await runGantry(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Size}}|{{.Reclaimable}}'], env);
  assert.equal(df.status, 0, df.stderr);
  return df.stdout.split('\n')[0];
};
const pct = (part: number, of: number) => `${humanSize(part)} (${Math.trunc((100 * part) / of)}%)`;

function envFor(work: string): NodeJS.ProcessEnv {
  return { ...process.env, GANTRY_ROOT: join(work, 'root'), GANTRY_RUNROOT: join(work, 'run'), GANTRY_PREWARM: '0' };
}

test('a pull killed mid-unpack: system df shows its half-unpacked layer, image prune removes it at once', { skip: !isRoot && 'needs root' }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-leftovers-'));
  const env = envFor(work);
  let reg: TestRegistry | undefined;
  let proxy: TestProxy | undefined;
  try {
    reg = await startRegistry();
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.bin`, content: randomBytes(512 << 10) }));
    const layout = await buildLayout(join(work, 'img'), [{ layers: [{ compression: 'gzip', files }] }]);
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${reg.host}/test/big:latest`);
    const digest = layout.manifests[0]!.layerDigests[0]!;
    const afterBytes = 3 << 20;
    proxy = await startProxy(reg.host, { stallBlob: { digest, afterBytes } });
    const child = spawn(join(repoRoot(), 'bin/gantry'), ['pull', '-q', `${proxy.host}/test/big:latest`], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, signal) => r(signal)));
    await proxy.stalled;
    // Wait until the held bytes are in the ingest and the unpacker has written files from them.
    const root = join(work, 'root');
    const ingestData = join(root, 'content', 'ingest', digest.replace(':', '%3a'), 'data');
    const snapTmp = join(root, 'snapshots', 'tmp');
    const staged = async () => (await readdir(snapTmp).catch(() => [] as string[])).find((n) => n.startsWith(`new-${child.pid}.`));
    for (;;) {
      const name = await staged();
      const ingested = (await stat(ingestData).catch(() => undefined))?.size ?? 0;
      if (name && ingested >= afterBytes && (await fileBytes(join(snapTmp, name))) >= 2 * (512 << 10)) break;
      await sleep(20);
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    proxy.releaseStalled();

    const staging = join(snapTmp, (await staged())!);
    const half = await fileBytes(staging);
    const ingest = (await stat(ingestData)).size;
    // Images row: the half-unpacked layer (reclaimable: its writer is dead) plus the partial download (kept for a resume).
    assert.equal(await imagesRow(env), `Images|0|${humanSize(half + ingest)}|${pct(half, half + ingest)}`);
    const v = await runGantry(['system', 'df', '-v'], env);
    assert.match(v.stdout, new RegExp(`Unfinished layers and downloads: ${humanSize(half + ingest)} \\(${humanSize(half)} reclaimable\\)`));

    const prune = await runGantry(['image', 'prune', '-f'], env);
    assert.equal(prune.status, 0, prune.stderr);
    assert.equal(prune.stdout, `Total reclaimed space: ${humanSize(half)}\n`);
    assert.deepEqual(await readdir(snapTmp), []);
    assert.equal(await imagesRow(env), `Images|0|${humanSize(ingest)}|${pct(0, ingest)}`);

    // The partial download is still there for the next pull to resume.
    const again = await runGantry(['pull', '-q', `${proxy.host}/test/big:latest`], env);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(proxy.ranges, [`bytes=${afterBytes}-`]);
  } finally {
    await proxy?.stop();
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  }
});

test('system prune removes staging dirs of dead writers at once and keeps a live writer\'s', { skip: !isRoot && 'needs root' }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'gantry-leftovers-'));
  const env = envFor(work);
  try {
    // Creates the store (and its staging dirs).
    assert.equal((await runGantry(['images', '-q'], env)).status, 0);
    const root = join(work, 'root');
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const me = `${process.pid}.${processStartTime(process.pid)}`;
    // Named as the code names them: <kind>-<pid>.<start time>-<random>.
    const leftovers = {
      deadUnpack: join(root, 'snapshots', 'tmp', `new-${dead.pid}.1-abc123`),
      reusedPid: join(root, 'snapshots', 'tmp', `new-${process.pid}.1-abc123`), // our pid, another process's start time
      deadLoad: join(root, 'tmp', `load-${dead.pid}.1-def456`),
    };
    const live = join(root, 'snapshots', 'tmp', `new-${me}-ghi789`);
    for (const dir of [...Object.values(leftovers), live]) {
      await mkdir(join(dir, 'fs', 'usr'), { recursive: true });
      await writeFile(join(dir, 'fs', 'usr', 'data'), Buffer.alloc(10_000, 1));
    }
    assert.equal(await imagesRow(env), `Images|0|${humanSize(40_000)}|${pct(30_000, 40_000)}`);

    const prune = await runGantry(['system', 'prune', '-f'], env);
    assert.equal(prune.status, 0, prune.stderr);
    assert.match(prune.stdout, new RegExp(`Total reclaimed space: ${humanSize(30_000)}\n$`));
    for (const p of Object.values(leftovers)) assert.equal(await stat(p).catch(() => undefined), undefined, p);
    assert.equal(await fileBytes(live), 10_000, 'a live writer keeps its staging dir');
    assert.equal(await imagesRow(env), `Images|0|${humanSize(10_000)}|${pct(0, 10_000)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
