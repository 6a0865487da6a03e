// cp's building blocks on real directories: in-root path resolution, tar
// extraction that cannot be steered out of its directory, and docker's stats math.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { ContainerFs, extractTar, packPath } from '../../../src/engine/archive.js';
import { cpuPercent, memUsageNoCache, type StatsSample } from '../../../src/engine/stats.js';

let dir: string;
let root: string;
let outside: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-archive-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'etc', 'passwd'), 'container\n');
  await symlink('/etc', join(root, 'abs'));
  await symlink('../../../../../../etc', join(root, 'data', 'up'));
  await symlink('loop2', join(root, 'loop1'));
  await symlink('loop1', join(root, 'loop2'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('ContainerFs.resolve keeps symlinks and .. inside the root', async () => {
  const fs = new ContainerFs(root, []);
  assert.deepEqual(await fs.resolve('/abs/passwd', false), { containerPath: '/etc/passwd', hostPath: join(root, 'etc', 'passwd') });
  assert.equal((await fs.resolve('/data/up/passwd', true)).hostPath, join(root, 'etc', 'passwd'));
  assert.equal((await fs.resolve('../../../etc/passwd', true)).hostPath, join(root, 'etc', 'passwd'));
  // The final link is kept unless asked to follow it.
  assert.equal((await fs.resolve('/abs', false)).containerPath, '/abs');
  assert.equal((await fs.resolve('/abs', true)).containerPath, '/etc');
  await assert.rejects(fs.resolve('/loop1/x', true), /too many levels of symbolic links/);
});

test('ContainerFs maps mount destinations onto their sources', async () => {
  const fs = new ContainerFs(root, [{ dest: '/data/vol', source: outside }]);
  assert.equal((await fs.resolve('/data/vol/file', true)).hostPath, join(outside, 'file'));
  assert.equal((await fs.resolve('/data/volume', true)).hostPath, join(root, 'data', 'volume'));
});

function tarOf(entries: { name: string; type?: 'file' | 'symlink' | 'directory' | 'link'; linkname?: string; body?: string }[]): Readable {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}), mode: 0o644 }, e.body ?? '');
  p.finalize();
  return Readable.from(p as unknown as AsyncIterable<Buffer>);
}

test('extractTar cannot be steered outside its directory', async () => {
  const dest = join(dir, 'extract');
  await mkdir(dest);
  await writeFile(join(outside, 'victim'), 'safe\n');
  await extractTar(
    tarOf([
      { name: '../../escape', body: 'dotdot\n' },
      { name: '/abs-name', body: 'abs\n' },
      { name: 'link', type: 'symlink', linkname: outside },
      { name: 'link/victim', body: 'through the link\n' },
      { name: 'victim-link', type: 'symlink', linkname: join(outside, 'victim') },
      { name: 'victim-link', body: 'replaced, not written through\n' },
    ]),
    dest,
    { owner: { uid: 0, gid: 0 } },
  );
  assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'safe\n');
  assert.equal(await readFile(join(dest, 'escape'), 'utf8'), 'dotdot\n');
  assert.equal(await readFile(join(dest, 'abs-name'), 'utf8'), 'abs\n');
  // "link" points outside, so link/victim resolves in the destination's scope instead.
  assert.equal(await readlink(join(dest, 'link')), outside);
  assert.equal(await readFile(join(dest, outside, 'victim'), 'utf8'), 'through the link\n');
  assert.ok((await lstat(join(dest, 'victim-link'))).isFile());
});

test('packPath and extractTar round-trip a tree with its links and modes', async () => {
  const src = join(dir, 'tree');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'sub', 'f'), 'x'.repeat(70000), { mode: 0o640 });
  await symlink('sub/f', join(src, 'l'));
  const dest = join(dir, 'copy');
  await mkdir(dest);
  const bytes = await extractTar(packPath(src, 'renamed', false), dest);
  assert.equal(bytes, 70000);
  assert.equal((await readFile(join(dest, 'renamed', 'sub', 'f'))).length, 70000);
  assert.equal((await lstat(join(dest, 'renamed', 'sub', 'f'))).mode & 0o777, 0o640);
  assert.equal(await readlink(join(dest, 'renamed', 'l')), 'sub/f');
  const contents = join(dir, 'contents');
  await mkdir(contents);
  await extractTar(packPath(src, '.', false), contents);
  assert.ok((await lstat(join(contents, 'sub', 'f'))).isFile());
});

test("stats: docker's CPU % and memory without the inactive page cache", () => {
  const base: StatsSample = { cpuTotal: 1e9, systemTotal: 100e9, onlineCpus: 4, memUsage: 0, memLimit: 0, netRx: 0, netTx: 0, blkRead: 0, blkWrite: 0, pids: 1 };
  // Half a CPU-second over 2 s of host time on 4 CPUs (8 CPU-seconds): 25 % of the machine = 100 % × 0.5 / 2.
  assert.equal(cpuPercent(base, { ...base, cpuTotal: 1.5e9, systemTotal: 108e9 }), 25);
  assert.equal(cpuPercent(undefined, base), 0);
  const mem = (raw: Record<string, number>) => memUsageNoCache({ usage: { usage: 10000, limit: 0, max: 0, failcnt: 0 }, raw });
  assert.equal(mem({ total_inactive_file: 4000 }), 6000);
  assert.equal(mem({ inactive_file: 3000 }), 7000);
  assert.equal(mem({ total_inactive_file: 20000 }), 10000);
});
