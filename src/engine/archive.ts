// Files in and out of a container (docker cp) and its filesystem as a tar
// (docker export). Container paths are resolved component by component inside
// the container's root: symlinks (absolute ones mean the container's root) and
// ".." never lead out of it. A running container is reached through
// /proc/<pid>/root, which shows its volumes and tmpfs mounts; a stopped one has
// its rootfs mounted for the copy (under the container's lock, so it cannot be
// started meanwhile) with its volumes and binds mapped onto their sources.
import { createReadStream } from 'node:fs';
import { lchown, lstat, lutimes, chmod, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import { posix, join, dirname, basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';
import { failedPrecondition, invalidArgument, notFound } from '../errdefs/index.js';
import { cleanEntryName, RootResolver } from '../images/archive/safe-path.js';
import { SpecialFileBatch } from '../images/archive/special-files.js';
import type { EngineCore } from './engine.js';
import { emitEvent } from './events.js';
import { requireImageService } from './image-service.js';
import { pidAlive } from '../sys/lockfile.js';
import type { ContainerRecord } from './store.js';

const MAX_SYMLINK_HOPS = 255;

/** docker export: the container's merged filesystem (volumes excluded) as a tar stream. */
export async function exportContainer(engine: EngineCore, ref: string): Promise<Readable> {
  const rec = await engine.containers.get(ref);
  const tar = await requireImageService(engine.images, 'export').exportRootfs(rec.Gantry.rootfsKey);
  await emitEvent(engine.root, 'container', 'export', rec.Id, { name: rec.Name.slice(1), image: rec.Config.Image }).catch(() => undefined);
  return tar;
}

// ---- the container's filesystem seen from the host ----

export interface ResolvedPath {
  /** Absolute, symlink-free path inside the container. */
  containerPath: string;
  /** Where that path is on the host. */
  hostPath: string;
}

export class ContainerFs {
  private readonly mounts: { dest: string; source: string }[];
  constructor(
    readonly base: string,
    mounts: { dest: string; source: string }[],
  ) {
    this.mounts = [...mounts].sort((a, b) => b.dest.length - a.dest.length);
  }

  hostOf(containerPath: string): string {
    for (const m of this.mounts) {
      if (containerPath === m.dest) return m.source;
      if (containerPath.startsWith(m.dest + '/')) return m.source + containerPath.slice(m.dest.length);
    }
    return containerPath === '/' ? this.base : this.base + containerPath;
  }

  /** Resolves `path` in the container's scope; the last component is followed only if followFinal. */
  async resolve(path: string, followFinal: boolean): Promise<ResolvedPath> {
    const todo = path.split('/');
    let cur = '/';
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        cur = posix.dirname(cur);
        continue;
      }
      const next = posix.join(cur, part);
      const isLast = todo.every((p) => p === '' || p === '.');
      const st = await lstat(this.hostOf(next)).catch(() => undefined);
      if (st?.isSymbolicLink() && (!isLast || followFinal)) {
        if (++hops > MAX_SYMLINK_HOPS) throw invalidArgument(`too many levels of symbolic links: ${path}`);
        const target = await readlink(this.hostOf(next));
        if (target.startsWith('/')) cur = '/';
        todo.unshift(...target.split('/'));
        continue;
      }
      cur = next;
    }
    return { containerPath: cur, hostPath: this.hostOf(cur) };
  }
}

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info.split('\n').some((l) => l.split(' ')[4] === path);
}

/** Runs fn with the container's filesystem reachable from the host. */
export async function withContainerFs<T>(engine: EngineCore, rec: ContainerRecord, fn: (fs: ContainerFs) => Promise<T>): Promise<T> {
  if (rec.State.Running && rec.State.Pid > 0 && pidAlive(rec.State.Pid)) return fn(new ContainerFs(`/proc/${rec.State.Pid}/root`, []));
  return engine.store.withContainerLock(rec.Id, async () => {
    const mounts = rec.Mounts.filter((m) => m.Type === 'bind' || m.Type === 'volume').map((m) => ({ dest: posix.normalize(m.Destination), source: m.Source }));
    const runRootfs = engine.store.runPath(rec.Id, 'rootfs');
    // A rootfs a crashed cleanup left mounted is used as is (a second overlay on the same upper is refused).
    if (await isMountPoint(runRootfs)) return fn(new ContainerFs(runRootfs, mounts));
    await mkdir(join(engine.runroot, 'tmp'), { recursive: true });
    const target = await mkdtemp(join(engine.runroot, 'tmp', 'cp-'));
    try {
      await engine.images.mountRootfs(rec.Gantry.rootfsKey, target);
      try {
        return await fn(new ContainerFs(target, mounts));
      } finally {
        await engine.images.unmountRootfs(target);
      }
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });
}

// ---- tar writing and reading ----

const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => (rdev & 0xff) | Number((BigInt(rdev) >> 12n) & ~0xffn);

/**
 * Tar of `path` (a file, symlink or directory tree) under the entry name `name`
 * ("." puts a directory's contents at the top). Symlinks are archived as links;
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
      for (const child of (await readdir(abs)).sort()) await walk(`${abs}/${child}`, entryName === '.' ? child : `${entryName}/${child}`, false);
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
        specials.chown(path, uid, gid);
        specials.chmod(path, mode);
        continue;
      default:
        entry.resume();
        continue;
    }
    if (h.type === 'link') continue;
    await lchown(path, uid, gid);
    if (h.type !== 'symlink') await chmod(path, mode);
    if (h.type !== 'directory') await lutimes(path, h.mtime, h.mtime);
  }
  await specials.run('cp: special files');
  for (const d of dirTimes.reverse()) await lutimes(d.path, d.mtime, d.mtime).catch(() => undefined);
  return bytes;
}

// ---- docker cp ----

export interface CopyOptions {
  /** -L: follow a symlink given as the source. */
  followLink?: boolean;
  /** -a: keep the source's uid/gid when copying into the container. */
  archive?: boolean;
}

/** Where a copied tree lands: the directory it is extracted in and its top entry name. */
interface Placement {
  dir: string;
  name: string;
}

/**
 * docker's rules for SRC and DEST: a directory source lands in an existing
 * directory as DEST/basename(SRC) (its contents when SRC ends in "/."), or
 * becomes DEST when DEST does not exist; a file lands in a directory DEST or
 * replaces / creates DEST.
 */
async function placement(srcPath: string, srcIsDir: boolean, dest: { hostPath: string; given: string }): Promise<Placement> {
  const contentsOnly = /(^|\/)\.$/.test(srcPath);
  const st = await stat(dest.hostPath).catch(() => undefined);
  if (st?.isDirectory()) return contentsOnly && srcIsDir ? { dir: dest.hostPath, name: '.' } : { dir: dest.hostPath, name: basename(posix.normalize(srcPath)) };
  if (st && srcIsDir) throw invalidArgument(`cannot copy a directory to a file: ${dest.given}`);
  if (!st && dest.given.endsWith('/')) throw notFound(`destination directory ${dest.given} does not exist`);
  const parent = await stat(dirname(dest.hostPath)).catch(() => undefined);
  if (!parent?.isDirectory()) throw notFound(`no such directory: ${dirname(dest.given) || '/'}`);
  return { dir: dirname(dest.hostPath), name: basename(dest.hostPath) };
}

/** docker refuses a read-only rootfs or read-only mount as the destination; rw volumes in a read-only container are fine. */
function assertWritable(rec: ContainerRecord, containerPath: string): void {
  const mount = rec.Mounts.filter((m) => containerPath === posix.normalize(m.Destination) || containerPath.startsWith(posix.normalize(m.Destination) + '/')).sort((a, b) => b.Destination.length - a.Destination.length)[0];
  const writable = mount ? mount.RW : !rec.HostConfig.ReadonlyRootfs;
  if (!writable) throw failedPrecondition(mount ? `mounted volume is marked read-only` : 'container rootfs is marked read-only');
}

const notInContainer = (path: string, rec: ContainerRecord) => notFound(`Could not find the file ${path} in container ${rec.Name.slice(1)}`);

/** Copies CONTAINER:src to the host path dest ("-": a tar on out). Returns the bytes copied. */
export async function copyFromContainer(engine: EngineCore, ref: string, src: string, dest: string, out: NodeJS.WritableStream, opts: CopyOptions = {}): Promise<number> {
  const rec = await engine.containers.get(ref);
  return withContainerFs(engine, rec, async (fs) => {
    const follow = Boolean(opts.followLink) || src.endsWith('/') || src.endsWith('/.');
    const resolved = await fs.resolve(src, follow);
    const st = await lstat(resolved.hostPath).catch(() => undefined);
    if (!st) throw notInContainer(src, rec);
    if ((src.endsWith('/') || src.endsWith('/.')) && !st.isDirectory()) throw invalidArgument(`not a directory: ${src}`);
    const topName = /(^|\/)\.$/.test(src) && st.isDirectory() ? '.' : basename(resolved.containerPath) || '/';
    if (dest === '-') {
      let bytes = 0;
      const tar = packPath(resolved.hostPath, topName, false);
      tar.on('data', (c: Buffer) => (bytes += c.length));
      await pipeline(tar, out as NodeJS.WritableStream, { end: false });
      return bytes;
    }
    const place = await placement(src, st.isDirectory(), { hostPath: dest, given: dest });
    return extractTar(packPath(resolved.hostPath, place.name, false), place.dir);
  });
}

/** Copies the host path src ("-": a tar read from input) to CONTAINER:dest. Returns the bytes copied. */
export async function copyToContainer(engine: EngineCore, ref: string, src: string, dest: string, input: Readable, opts: CopyOptions = {}): Promise<number> {
  const rec = await engine.containers.get(ref);
  const owner = opts.archive ? undefined : { uid: 0, gid: 0 };
  return withContainerFs(engine, rec, async (fs) => {
    const target = await fs.resolve(dest, true);
    assertWritable(rec, target.containerPath);
    if (src === '-') {
      const st = await stat(target.hostPath).catch(() => undefined);
      if (!st) throw notInContainer(dest, rec);
      if (!st.isDirectory()) throw invalidArgument(`destination "${rec.Name.slice(1)}:${dest}" must be a directory`);
      return extractTar(input, target.hostPath, owner ? { owner } : {});
    }
    const follow = Boolean(opts.followLink) || src.endsWith('/') || src.endsWith('/.');
    const st = await (follow ? stat(src) : lstat(src)).catch(() => undefined);
    if (!st) throw notFound(`lstat ${src}: no such file or directory`);
    const place = await placement(src, st.isDirectory(), { hostPath: target.hostPath, given: dest });
    const top = place.name === '.' ? src : src.replace(/\/+$/, '');
    return extractTar(packPath(top, place.name, follow), place.dir, owner ? { owner } : {});
  });
}
