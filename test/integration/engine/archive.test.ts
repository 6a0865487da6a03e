// cp's building blocks on real directories: in-root path resolution, tar
// extraction that cannot be steered out of its directory, and docker's stats math.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { ContainerFs, goFileMode } from '../../../src/engine/archive.js';
import { extractTar, packPath, rebaseTar } from '../../../src/engine/tar-tree.js';

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

test("goFileMode gives Go's os.FileMode bits as docker's path stat carries them", () => {
  assert.equal(goFileMode(0o040755), 2 ** 31 + 0o755);
  assert.equal(goFileMode(0o120777), 2 ** 27 + 0o777);
  assert.equal(goFileMode(0o100644), 0o644);
  assert.equal(goFileMode(0o104755), 2 ** 23 + 0o755);
  assert.equal(goFileMode(0o020666), 2 ** 26 + 2 ** 21 + 0o666);
});

test('rebaseTar renames the top entry and what is under it, not its look-alikes', async () => {
  const names: string[] = [];
  const { extract } = await import('tar-stream');
  const ex = extract();
  rebaseTar(tarOf([{ name: 'src/', type: 'directory' }, { name: 'src/f' }, { name: 'srcx' }, { name: 'hard', type: 'link', linkname: 'src/f' }]), 'src', 'dst').pipe(ex);
  for await (const e of ex) {
    names.push(e.header.type === 'link' ? `${e.header.name}->${e.header.linkname}` : e.header.name);
    e.resume();
  }
  assert.deepEqual(names, ['dst/', 'dst/f', 'srcx', 'hard->dst/f']);
});
