import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { applyTar } from '../../../src/images/archive/apply.js';
import { packDirectory } from '../../../src/images/archive/pack.js';
import { cleanEntryName } from '../../../src/images/archive/safe-path.js';
import { compressionOfMagic, compressionOfMediaType } from '../../../src/images/archive/compression.js';
import { applyChanges } from '../../../src/images/import/changes.js';
import { tarOfEntries, type EntrySpec } from '../../fixtures/image-builder.js';

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-archive-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const apply = async (root: string, entries: EntrySpec[], mode: 'merge' | 'overlay' = 'merge') =>
  applyTar(root, Readable.from([await tarOfEntries(entries)]), mode);
const exists = (p: string) => lstat(p).then(() => true, () => false);

test('entry names are cleaned as if the root were /', () => {
  assert.equal(cleanEntryName('./etc/passwd'), 'etc/passwd');
  assert.equal(cleanEntryName('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanEntryName('../../escape'), 'escape');
  assert.equal(cleanEntryName('a/../../b/'), 'b');
  assert.equal(cleanEntryName('./'), '');
});

test('media types and magic bytes select the decompressor', () => {
  assert.equal(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), 'gzip');
  assert.equal(compressionOfMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'gzip');
  assert.equal(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar+zstd'), 'zstd');
  assert.equal(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar'), 'none');
  assert.throws(() => compressionOfMediaType('application/json'), /unsupported layer media type/);
  assert.equal(compressionOfMagic(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
  assert.equal(compressionOfMagic(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
  assert.equal(compressionOfMagic(Buffer.from('ustar')), 'none');
});

test('whiteouts delete lower files and opaque dirs hide lower children (merge mode)', () =>
  withDir(async (root) => {
    await apply(root, [
      { path: 'a', type: 'dir' },
      { path: 'a/keep', content: '1' },
      { path: 'a/gone', content: '2' },
      { path: 'o', type: 'dir' },
      { path: 'o/old', content: 'x' },
      { path: 'o/sub', type: 'dir' },
      { path: 'o/sub/older', content: 'y' },
    ]);
    // The opaque marker comes after a new child: it still applies first.
    await apply(root, [
      { path: 'a/gone', type: 'whiteout' },
      { path: 'o/new', content: 'n' },
      { path: 'o', type: 'opaque' },
    ]);
    assert.ok(await exists(join(root, 'a/keep')));
    assert.ok(!(await exists(join(root, 'a/gone'))));
    assert.ok(!(await exists(join(root, 'a/.wh.gone'))));
    assert.ok(!(await exists(join(root, 'o/old'))));
    assert.ok(!(await exists(join(root, 'o/sub'))));
    assert.equal(await readFile(join(root, 'o/new'), 'utf8'), 'n');
  }));

test('a non-directory replaces what was there; directories merge', () =>
  withDir(async (root) => {
    await apply(root, [{ path: 'd', type: 'dir' }, { path: 'd/f', content: 'f' }, { path: 'x', content: 'file' }, { path: 'e/f', content: 'f' }]);
    await apply(root, [{ path: 'd', type: 'dir', mode: 0o700 }, { path: 'x', type: 'symlink', linkname: 'd/f' }, { path: 'e', content: 'now a file' }]);
    assert.equal(await readFile(join(root, 'e'), 'utf8'), 'now a file');
    assert.equal((await lstat(join(root, 'd'))).mode & 0o777, 0o700);
    assert.ok(await exists(join(root, 'd/f')));
    assert.equal(await readlink(join(root, 'x')), 'd/f');
  }));

test('malicious names stay inside the root', () =>
  withDir(async (dir) => {
    const root = join(dir, 'root');
    await mkdir(root);
    await writeFile(join(dir, 'sentinel'), 'safe');
    await apply(root, [
      { path: '../sentinel', content: 'owned' },
      { path: '/abs', content: 'abs' },
      { path: 'out', type: 'symlink', linkname: dir },
      { path: 'out/sentinel', content: 'owned' },
      { path: 'up', type: 'symlink', linkname: '../../..' },
      { path: 'up/sentinel2', content: 'owned' },
    ]);
    assert.equal(await readFile(join(dir, 'sentinel'), 'utf8'), 'safe');
    assert.ok(!(await exists(join(dir, 'sentinel2'))));
    assert.equal(await readFile(join(root, 'sentinel'), 'utf8'), 'owned'); // "../sentinel" lands in the root
    assert.equal(await readFile(join(root, 'abs'), 'utf8'), 'abs');
    // The symlink's target is resolved inside the root: "<dir>" is root-relative.
    assert.equal(await readFile(join(root, dir.slice(1), 'sentinel'), 'utf8'), 'owned');
    assert.equal(await readFile(join(root, 'sentinel2'), 'utf8'), 'owned');
  }));

test('deferred special files never run through a parent replaced by a symlink', { skip: process.getuid?.() !== 0 && 'mknod needs root' }, () =>
  withDir(async (dir) => {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    await mkdir(root);
    await mkdir(outside);
    for (const mode of ['merge', 'overlay'] as const) {
      await apply(
        root,
        [
          { path: 'a/f', type: 'fifo' },
          { path: 'a/attr', content: 'x', xattrs: { 'user.k': 'v' } },
          { path: 'a', type: 'symlink', linkname: outside },
          { path: 'b/gone', type: 'whiteout' },
          { path: 'b', type: 'symlink', linkname: outside },
        ],
        mode,
      );
      assert.deepEqual(await readdir(outside), []);
      assert.equal(await readlink(join(root, 'a')), outside);
    }
  }),
);

test('a hardlink to a path outside the layer is rejected', () =>
  withDir(async (root) => {
    await assert.rejects(apply(root, [{ path: 'pw', type: 'hardlink', linkname: '/etc/passwd' }]), /not in the layer/);
    await assert.rejects(apply(root, [{ path: 'pw', type: 'hardlink', linkname: '../../../../etc/passwd' }]), /not in the layer/);
  }));

test('tar writer and reader round-trip files, links, modes and long names', { skip: process.getuid?.() !== 0 && 'setting owners needs root' }, () =>
  withDir(async (dir) => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await mkdir(a);
    await mkdir(b);
    const long = 'x'.repeat(120) + '/' + 'y'.repeat(120);
    await apply(a, [
      { path: 'bin', type: 'dir' },
      { path: 'bin/tool', content: 'tool', mode: 0o4755, uid: 12, gid: 34 },
      { path: 'bin/link', type: 'hardlink', linkname: 'bin/tool' },
      { path: 'sym', type: 'symlink', linkname: '/bin/tool' },
      { path: 'x'.repeat(120), type: 'dir' },
      { path: long, content: 'long' },
    ]);
    await applyTar(b, packDirectory(a), 'merge');
    const st = await lstat(join(b, 'bin/tool'));
    assert.equal(st.mode & 0o7777, 0o4755);
    assert.equal(st.uid, 12);
    assert.equal(st.gid, 34);
    assert.equal((await lstat(join(b, 'bin/link'))).ino, st.ino);
    assert.equal(await readlink(join(b, 'sym')), '/bin/tool');
    assert.equal(await readFile(join(b, long), 'utf8'), 'long');
    assert.equal(st.mtimeMs, (await lstat(join(a, 'bin/tool'))).mtimeMs);
  }));

test('a truncated tar fails', () =>
  withDir(async (root) => {
    const tar = await tarOfEntries([{ path: 'f', content: 'z'.repeat(5000) }]);
    await assert.rejects(applyTar(root, Readable.from([tar.subarray(0, 1000)]), 'merge'));
  }));

test('--change instructions update the config like docker import -c', () => {
  const c = applyChanges({}, [
    'CMD ["sh"]',
    'ENTRYPOINT /bin/echo hi',
    'ENV A=1 B="two words"',
    'ENV C 3',
    'WORKDIR /w',
    'USER 1000:1000',
    'EXPOSE 80 53/udp',
    'LABEL a=b "c d"=e',
    'VOLUME ["/data"]',
    'STOPSIGNAL SIGINT',
  ]);
  assert.deepEqual(c.Cmd, ['sh']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/echo hi']);
  assert.deepEqual(c.Env, ['A=1', 'B=two words', 'C=3']);
  assert.equal(c.WorkingDir, '/w');
  assert.equal(c.User, '1000:1000');
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.throws(() => applyChanges({}, ['RUN echo']), /not a valid change command/);
});

test('tar writer and reader keep binary xattrs, long names and long links; GNU tar agrees', async () => {
  const { TarWriter } = await import('../../../src/images/archive/tar-writer.js');
  const { readTar } = await import('../../../src/images/archive/tar-reader.js');
  const { execFileSync } = await import('node:child_process');
  const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0xff, 0xfe]);
  const longName = `${'d'.repeat(150)}/${'f'.repeat(150)}`;
  const longLink = 'l'.repeat(200);
  const w = new TarWriter();
  const chunks: Buffer[] = [];
  w.stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => w.stream.on('end', r));
  await w.entry({ name: 'bin/ping', type: 'file', mode: 0o4755, uid: 0, gid: 0, mtime: 1700000000, xattrs: new Map([['security.capability', cap]]) }, Buffer.from('ping'));
  await w.entry({ name: longName, type: 'file', mode: 0o644, mtime: 1 }, Buffer.from('x'.repeat(700)));
  await w.entry({ name: 'sym', type: 'symlink', mode: 0o777, linkname: longLink });
  await w.entry({ name: 'big-id', type: 'file', mode: 0o600, uid: 100000000, gid: 7 }, Buffer.alloc(0));
  await w.finish();
  await ended;
  const tar = Buffer.concat(chunks);

  const seen: { name: string; data: string; xattrs: Map<string, Buffer>; linkname: string; uid: number; mode: number }[] = [];
  for await (const { header, body } of readTar(Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]))) {
    let data = '';
    for await (const c of body) data += c.toString();
    seen.push({ name: header.name, data, xattrs: header.xattrs, linkname: header.linkname, uid: header.uid, mode: header.mode });
  }
  assert.deepEqual(seen.map((s) => s.name), ['bin/ping', longName, 'sym', 'big-id']);
  assert.deepEqual(seen[0]!.xattrs.get('security.capability'), cap);
  assert.equal(seen[0]!.mode, 0o4755);
  assert.equal(seen[1]!.data, 'x'.repeat(700));
  assert.equal(seen[2]!.linkname, longLink);
  assert.equal(seen[3]!.uid, 100000000);

  const listed = execFileSync('tar', ['-tf', '-'], { input: tar }).toString().trim().split('\n');
  assert.deepEqual(listed, ['bin/ping', longName, 'sym', 'big-id']);
  // And the reader takes GNU tar's own long-name encoding.
  const gnu = execFileSync('sh', ['-c', `d=$(mktemp -d) && mkdir -p "$d/${'a'.repeat(120)}" && echo hi > "$d/${'a'.repeat(120)}/${'b'.repeat(120)}" && tar --format=gnu -C "$d" -cf - . && rm -rf "$d"`]);
  const names: string[] = [];
  for await (const { header } of readTar(Readable.from([gnu]))) names.push(header.name);
  assert.ok(names.includes(`./${'a'.repeat(120)}/${'b'.repeat(120)}`), names.join(','));
});
