// Tar of a directory tree and extraction of one, shared by the engine's
// archive (GET/PUT /containers/{id}/archive) and the CLI's cp, which packs and
// unpacks on the client side as docker's CLI does. No engine state here.
import { createReadStream } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';
import { invalidArgument } from '../errdefs/index.js';
import { cleanEntryName, RootResolver } from '../images/archive/safe-path.js';
import { SpecialFileBatch } from '../images/archive/special-files.js';

const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => (rdev & 0xff) | Number((BigInt(rdev) >> 12n) & ~0xffn);

/**
 * Tar of `path` (a file, symlink or directory tree) under the entry name `name`
 * ("." puts a directory's contents at the top, as "./child"). Symlinks are archived as links;
 * with followTop the top one is followed (cp -L).
 */
export function packPath(path: string, name: string, followTop: boolean): Readable {
  const p = pack();
  const put = (h: Partial<Header> & { name: string }) => new Promise<void>((res, rej) => p.entry(h, Buffer.alloc(0), (err) => (err ? rej(err) : res())));
  const walk = async (abs: string, entryName: string, follow: boolean): Promise<void> => {
    const st = follow ? await stat(abs) : await lstat(abs);
    const base = { name: entryName, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      await put({ ...base, name: entryName === '.' ? './' : `${entryName}/`, type: 'directory' });
      for (const child of (await readdir(abs)).sort()) await walk(`${abs}/${child}`, `${entryName}/${child}`, false);
    } else if (st.isFile()) {
      await pipeline(createReadStream(abs), p.entry({ ...base, type: 'file', size: st.size }));
    } else if (st.isSymbolicLink()) {
      await put({ ...base, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      await put({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      await put({ ...base, type: 'fifo' });
    } // sockets are skipped, as docker does
  };
  const out = new PassThrough();
  p.on('error', (err: Error) => out.destroy(err));
  p.pipe(out);
  walk(path, name, followTop).then(
    () => p.finalize(),
    (err: Error) => p.destroy(err),
  );
  return out;
}

export interface ExtractOptions {
  /** Owner of everything written (docker cp into a container without -a: the container's root). */
  owner?: { uid: number; gid: number };
  /** Leave ownership as the extracting user's (docker's NoLchown: the CLI's side of cp). */
  noLchown?: boolean;
  /** Refuse to replace a directory with a non-directory or the reverse (docker's NoOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
}

/**
 * Extracts a tar under `dir`. Entry names are cleaned as if `dir` were "/",
 * parents are resolved without leaving `dir`, and an existing entry is replaced
 * (not written through) unless both are directories, as docker's untar does.
 */
export async function extractTar(input: Readable, dir: string, opts: ExtractOptions = {}): Promise<number> {
  const resolver = new RootResolver(dir);
  const specials = new SpecialFileBatch();
  const dirTimes: { path: string; mtime: Date }[] = [];
  let bytes = 0;
  const ex = extract();
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  for await (const entry of ex) {
    const h = entry.header;
    const rel = cleanEntryName(h.name);
    if (rel === '') {
      entry.resume();
      continue;
    }
    const { path } = await resolver.entry(rel, true);
    const existing = await lstat(path).catch(() => undefined);
    if (existing && opts.noOverwriteDirNonDir && existing.isDirectory() !== (h.type === 'directory')) {
      entry.resume();
      throw invalidArgument(existing.isDirectory() ? `cannot overwrite directory "${path}" with non-directory "${h.name}"` : `cannot overwrite non-directory "${path}" with directory "${h.name}"`);
    }
    if (existing && !(existing.isDirectory() && h.type === 'directory')) {
      await rm(path, { recursive: true, force: true });
      resolver.forget();
    }
    const uid = opts.owner?.uid ?? h.uid;
    const gid = opts.owner?.gid ?? h.gid;
    const mode = h.mode & 0o7777;
    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(path, { mode: 0o700 });
        resolver.knownDir(path);
        dirTimes.push({ path, mtime: h.mtime });
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file': {
        // O_EXCL: a symlink raced into this place is never followed.
        const fh = await open(path, 'wx', 0o600);
        try {
          for await (const chunk of entry) {
            await fh.write(chunk as Buffer);
            bytes += (chunk as Buffer).length;
          }
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink':
        entry.resume();
        await symlink(h.linkname, path);
        break;
      case 'link': {
        entry.resume();
        const target = await resolver.entry(cleanEntryName(h.linkname), false);
        specials.link(target.path, path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        entry.resume();
        specials.mknod(path, h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c', mode, h.devmajor, h.devminor);
        if (!opts.noLchown) specials.chown(path, uid, gid);
        specials.chmod(path, mode);
        continue;
      default:
        entry.resume();
        continue;
    }
    if (h.type === 'link') continue;
    if (!opts.noLchown) await lchown(path, uid, gid);
    if (h.type !== 'symlink') await chmod(path, mode);
    if (h.type !== 'directory') await lutimes(path, h.mtime, h.mtime);
  }
  await specials.run('cp: special files');
  for (const d of dirTimes.reverse()) await lutimes(d.path, d.mtime, d.mtime).catch(() => undefined);
  return bytes;
}


/**
 * docker's RebaseArchiveEntries: entries named oldBase or under it are renamed
 * to newBase (hard link targets too), the rest pass unchanged.
 */
export function rebaseTar(input: Readable, oldBase: string, newBase: string): Readable {
  const rename = (name: string) => (name === oldBase || name.startsWith(`${oldBase}/`) ? newBase + name.slice(oldBase.length) : name);
  const ex = extract();
  const p = pack();
  const out = new PassThrough();
  input.on('error', (err) => ex.destroy(err));
  p.on('error', (err: Error) => out.destroy(err));
  input.pipe(ex);
  p.pipe(out);
  (async () => {
    for await (const entry of ex) {
      const h = { ...entry.header, name: rename(entry.header.name) };
      if (h.type === 'link' && h.linkname) h.linkname = rename(h.linkname);
      await pipeline(entry, p.entry(h));
    }
    p.finalize();
  })().catch((err: Error) => p.destroy(err));
  return out;
}
