// COPY/ADD from the build context: sources resolved inside the context
// (wildcards with Go's filepath.Match per segment, .dockerignore applied),
// docker's destination rules, the tar that puts them into the image at their
// destination (owner root or --chown, --chmod), and the content checksum that
// keys the build cache.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack, type Header } from 'tar-stream';
import { invalidArgument, notFound } from '../errdefs/index.js';
import { isIgnored, type IgnorePattern } from './dockerignore.js';

export interface SourceFile {
  /** Absolute path on the host. */
  abs: string;
  /** The entry's path in the image, relative to "/". */
  dest: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
  /** The entry's own owner, kept over --chown (ADD of a tar keeps the archive's owners, as docker does). */
  owner?: { uid: number; gid: number };
}

export interface CopyOwnership {
  uid: number;
  gid: number;
  /** --chmod, applied to files and directories copied. */
  mode?: number;
}

const hasWildcard = (p: string) => /[*?[]/.test(p);

function segmentRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < seg.length) re += `\\${seg[++i]}`;
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** A source path cleaned as docker does: relative to the context root, never above it. */
export function cleanSource(src: string): string {
  const clean = posix.normalize(`/${src}`).slice(1);
  if (posix.normalize(src).startsWith('../')) throw invalidArgument(`forbidden path outside the build context: ${src} ()`);
  return clean === '' ? '.' : clean.replace(/\/$/, '');
}

/** Context-relative paths a source pattern names. */
async function matchSource(contextDir: string, pattern: string, ignore: readonly IgnorePattern[]): Promise<string[]> {
  const clean = cleanSource(pattern);
  if (!hasWildcard(clean)) {
    const st = await lstat(join(contextDir, clean)).catch(() => undefined);
    if (!st || (clean !== '.' && isIgnored(clean, ignore))) throw notFound(`failed to compute cache key: "/${clean}": not found`);
    return [clean];
  }
  let found = ['.'];
  for (const seg of clean.split('/')) {
    const next: string[] = [];
    for (const dir of found) {
      if (!hasWildcard(seg)) {
        const p = dir === '.' ? seg : `${dir}/${seg}`;
        if (await lstat(join(contextDir, p)).catch(() => undefined)) next.push(p);
        continue;
      }
      const re = segmentRegex(seg);
      const names = await readdir(join(contextDir, dir)).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n)) next.push(dir === '.' ? n : `${dir}/${n}`);
    }
    found = next;
  }
  found = found.filter((p) => !isIgnored(p, ignore));
  if (found.length === 0) throw notFound(`failed to compute cache key: no source files were specified`);
  return found;
}

/** Walks a source into entries under dest ("." contents of a directory go into dest itself). */
async function collect(contextDir: string, rel: string, dest: string, ignore: readonly IgnorePattern[], out: SourceFile[]): Promise<void> {
  const abs = join(contextDir, rel);
  const st = await lstat(abs);
  const base = { abs, dest, mode: st.mode & 0o7777, size: st.size, mtime: st.mtime };
  if (st.isDirectory()) {
    if (dest !== '') out.push({ ...base, kind: 'dir', size: 0 });
    for (const child of (await readdir(abs)).sort()) {
      const childRel = rel === '.' ? child : `${rel}/${child}`;
      if (isIgnored(childRel, ignore)) continue;
      await collect(contextDir, childRel, dest === '' ? child : `${dest}/${child}`, ignore, out);
    }
  } else if (st.isSymbolicLink()) out.push({ ...base, kind: 'symlink', linkname: await readlink(abs), size: 0 });
  else if (st.isFile()) out.push({ ...base, kind: 'file' });
}

/**
 * The files a COPY/ADD puts into the image. `dest` is absolute (the builder
 * resolved it against WORKDIR); several sources or a wildcard need a
 * directory destination ending in "/", as docker requires.
 */
export async function selectSources(contextDir: string, sources: string[], dest: string, ignore: readonly IgnorePattern[], destIsDir: boolean, keyword: 'COPY' | 'ADD'): Promise<SourceFile[]> {
  const matched: string[] = [];
  for (const s of sources) matched.push(...(await matchSource(contextDir, s, ignore)));
  const many = matched.length > 1 || sources.some(hasWildcard);
  if (many && !dest.endsWith('/') && !destIsDir) throw invalidArgument(`When using ${keyword} with more than one source file, the destination must be a directory and end with a /`);
  const destRel = posix.normalize(dest).replace(/^\/+/, '').replace(/\/+$/, '');
  const files: SourceFile[] = [];
  for (const rel of matched) {
    const st = await lstat(join(contextDir, rel));
    // A directory's contents go into dest; a file goes to dest, or into it when dest is a directory.
    const target = st.isDirectory() ? destRel : dest.endsWith('/') || destIsDir || many ? posix.join(destRel, posix.basename(rel)) : destRel;
    await collect(contextDir, rel, target, ignore, files);
  }
  return files;
}

/** sha256 over the entries' paths, kinds, modes and contents: the cache key part of a COPY. */
export async function sourcesChecksum(files: readonly SourceFile[], own: CopyOwnership): Promise<string> {
  const h = createHash('sha256');
  h.update(`${own.uid}:${own.gid}:${own.mode ?? ''}\n`);
  for (const f of files) {
    h.update(`${f.kind} ${f.dest} ${f.mode.toString(8)} ${f.linkname ?? ''} ${f.owner ? `${f.owner.uid}:${f.owner.gid}` : ''}\n`);
    if (f.kind === 'file') h.update(await readFile(f.abs));
  }
  return `sha256:${h.digest('hex')}`;
}

/**
 * The tar of the entries, with every parent directory of the destination
 * (0755 root, as docker creates them; those in newDirs, which the image does
 * not have yet, owned by --chown's user, as docker's MkdirAllAndChownNew).
 */
export function sourcesTar(files: readonly SourceFile[], own: CopyOwnership, newDirs: ReadonlySet<string> = new Set()): Readable {
  const p = pack();
  const out = new PassThrough();
  p.on('error', (err: Error) => out.destroy(err));
  p.pipe(out);
  const made = new Set<string>();
  const put = (h: Partial<Header> & { name: string }) => new Promise<void>((res, rej) => p.entry(h, Buffer.alloc(0), (err) => (err ? rej(err) : res())));
  const parents = async (path: string) => {
    const segs = path.split('/').slice(0, -1);
    for (let i = 1; i <= segs.length; i++) {
      const d = segs.slice(0, i).join('/');
      if (made.has(d)) continue;
      made.add(d);
      const owner = newDirs.has(d) ? own : { uid: 0, gid: 0 };
      await put({ name: `${d}/`, type: 'directory', mode: 0o755, uid: owner.uid, gid: owner.gid, mtime: new Date() });
    }
  };
  const write = async () => {
    for (const f of files) {
      await parents(f.dest);
      const mode = f.kind === 'symlink' ? 0o777 : (own.mode ?? f.mode);
      const h = { name: f.dest, mode, uid: f.owner?.uid ?? own.uid, gid: f.owner?.gid ?? own.gid, mtime: f.mtime };
      if (f.kind === 'dir') {
        made.add(f.dest);
        await put({ ...h, name: `${f.dest}/`, type: 'directory' });
      } else if (f.kind === 'symlink') await put({ ...h, type: 'symlink', linkname: f.linkname! });
      else await pipeline(createReadStream(f.abs), p.entry({ ...h, type: 'file', size: f.size }));
    }
  };
  write().then(
    () => p.finalize(),
    (err: Error) => p.destroy(err),
  );
  return out;
}
