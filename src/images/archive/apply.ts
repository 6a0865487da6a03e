// Applies a layer tar (uncompressed) onto a directory: entries are applied, not
// merely extracted (an existing non-directory is replaced, directories merge),
// whiteouts either delete from the tree ("merge", the copy snapshotter) or are
// kept as overlayfs whiteouts ("overlay": 0/0 char devices, opaque xattr) in a
// diff directory. Nothing is written outside the root (see safe-path.ts).
import { constants } from 'node:fs';
import { close, fchmod, fchown, futimes, open, write, writev } from 'node:fs';
import { lchown, link, lstat, lutimes, chmod, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { cleanEntryName, RootResolver } from './safe-path.js';
import { SpecialFileBatch } from './special-files.js';
import { readTar, type TarEntryHeader } from './tar-reader.js';

export type WhiteoutMode = 'overlay' | 'merge';

export interface ApplyResult {
  entries: number;
  /** Sum of regular file sizes written. */
  size: number;
}


export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const UMASK = process.umask();
const IS_ROOT = process.getuid?.() === 0;
const SMALL_FILE = 1 << 20;

// Plain fds rather than FileHandles: thousands of small files per layer, and a
// FileHandle's per-object bookkeeping shows up in profiles.
const fdOpen = promisify(open);
const fdWrite = promisify(write);
const fdWritev = promisify(writev);
const fdChown = promisify(fchown);
const fdChmod = promisify(fchmod);
const fdUtimes = promisify(futimes);
const fdClose = promisify(close);

async function writeAll(fd: number, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; ) off += (await fdWrite(fd, data, off, data.length - off)).bytesWritten;
}

/** A small file's chunks in one writev (no copy into one buffer); a short write finishes chunk by chunk. */
async function writevAll(fd: number, chunks: Uint8Array[]): Promise<void> {
  if (chunks.length === 0) return;
  let done = (await fdWritev(fd, chunks)).bytesWritten;
  for (const c of chunks) {
    if (done >= c.length) {
      done -= c.length;
      continue;
    }
    await writeAll(fd, c.subarray(done));
    done = 0;
  }
}
const MAX_CONCURRENT_WRITES = 16;

/** File writes in flight, by path; the first failure is rethrown by the next call. */
class ConcurrentWrites {
  private readonly pending = new Map<string, Promise<void>>();
  private failure: unknown;

  constructor(private readonly limit: number) {}

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  async start(path: string, op: () => Promise<void>): Promise<void> {
    this.check();
    while (this.pending.size >= this.limit) await Promise.race(this.pending.values());
    const p: Promise<void> = op()
      .catch((err: unknown) => void (this.failure ??= err))
      .finally(() => this.pending.delete(path));
    this.pending.set(path, p);
  }

  /** Waits for a pending write of `path`. */
  async settle(path: string): Promise<void> {
    await this.pending.get(path);
    this.check();
  }

  /**
   * Waits for every pending write (strictly below `prefix` only, when given: a write
   * of `prefix` itself may be the caller, replacing a directory by a file).
   */
  async settleAll(prefix?: string): Promise<void> {
    const waits = [...this.pending].filter(([p]) => prefix === undefined || p.startsWith(prefix + '/')).map(([, w]) => w);
    await Promise.all(waits);
    this.check();
  }
}

function entryTimes(h: TarEntryHeader): { atime: number; mtime: number } {
  return { atime: h.atime ?? h.mtime, mtime: h.mtime };
}

const exists = async (p: string) => {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

export async function applyTar(root: string, tar: Readable, mode: WhiteoutMode): Promise<ApplyResult> {
  const resolver = new RootResolver(root);
  const batch = new SpecialFileBatch();
  /** Paths this layer created (an opaque whiteout hides only what lies below). */
  const created = new Set<string>();
  /** Paths whose creation waits for the batch (a hardlink to them must wait too). */
  const deferred = new Set<string>();
  let dirTimes: { path: string; depth: number; times: ReturnType<typeof entryTimes> }[] = [];
  let specialTimes: { path: string; times: ReturnType<typeof entryTimes> }[] = [];
  const setgidDirs = new Set<string>();
  const writes = new ConcurrentWrites(MAX_CONCURRENT_WRITES);
  const result: ApplyResult = { entries: 0, size: 0 };

  const remove = async (path: string, isDir: boolean) => {
    if (isDir) await writes.settleAll(path);
    await rm(path, { recursive: true, force: true });
    // Deferred work below a removed path must not run through whatever replaces it.
    batch.dropUnder(path);
    const keep = (p: string) => p !== path && !p.startsWith(path + '/');
    specialTimes = specialTimes.filter((t) => keep(t.path));
    dirTimes = dirTimes.filter((t) => keep(t.path));
    if (isDir) resolver.forget();
  };

  /** Removes everything under dir that this layer did not create (opaque semantics, merge mode). */
  const pruneBelow = async (dirPath: string, rel: string): Promise<void> => {
    for (const e of await readdir(dirPath, { withFileTypes: true })) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (!created.has(childRel)) await remove(`${dirPath}/${e.name}`, e.isDirectory());
      else if (e.isDirectory()) await pruneBelow(`${dirPath}/${e.name}`, childRel);
    }
  };

  const applyWhiteout = async (rel: string, base: string) => {
    await writes.settleAll();
    const parentRel = rel.slice(0, rel.length - base.length).replace(/\/$/, '');
    if (base === OPAQUE_WHITEOUT) {
      if (mode === 'overlay') {
        batch.setxattr(await resolver.dir(parentRel, true), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      } else {
        const dir = await resolver.dir(parentRel, false).catch(() => undefined);
        if (dir !== undefined) await pruneBelow(dir, parentRel);
      }
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw invalidArgument(`invalid whiteout "${rel}"`);
    const hiddenRel = parentRel === '' ? name : `${parentRel}/${name}`;
    if (mode === 'overlay') {
      const { path } = await resolver.entry(hiddenRel, true);
      const st = await exists(path);
      if (st) await remove(path, st.isDirectory());
      batch.mknod(path, 'c', 0, 0, 0);
      deferred.add(hiddenRel);
    } else {
      const parent = await resolver.dir(parentRel, false).catch(() => undefined);
      if (parent === undefined) return;
      const st = await exists(`${parent}/${name}`);
      if (st) await remove(`${parent}/${name}`, st.isDirectory());
    }
  };

  const setOwnerAndMode = async (path: string, h: TarEntryHeader) => {
    await lchown(path, h.uid ?? 0, h.gid ?? 0);
    await chmod(path, (h.mode ?? 0o644) & 0o7777); // after chown: chown clears setuid/setgid
  };

  /**
   * Creates first and looks only on EEXIST (one syscall in the common case); an
   * existing non-directory, or anything under a non-directory entry, is replaced.
   */
  const createOrReplace = async (path: string, create: () => Promise<unknown>, isDirEntry: boolean): Promise<'created' | 'merged'> => {
    try {
      await create();
      return 'created';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await lstat(path);
    if (isDirEntry && st.isDirectory()) return 'merged';
    await remove(path, st.isDirectory());
    await create();
    return 'created';
  };

  /** New files are root-owned already (unless a setgid parent passes its group on). */
  const needsChown = (h: TarEntryHeader, parent: string, fresh: boolean) =>
    !(fresh && (h.uid ?? 0) === 0 && (h.gid ?? 0) === 0 && IS_ROOT && !setgidDirs.has(parent));
  /** Mode bits open/mkdir cannot set: special bits and those the umask strips. */
  const needsChmod = (mode: number) => (mode & 0o7000) !== 0 || (mode & UMASK) !== 0;

  const applyEntry = async (h: TarEntryHeader, body: AsyncIterable<Uint8Array>): Promise<void> => {
    const rel = cleanEntryName(h.name);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) return applyWhiteout(rel, base);
    const type = h.type ?? 'file';
    if (rel === '') {
      // The layer's "./": only the root directory's attributes apply.
      if (type === 'directory') {
        await setOwnerAndMode(root, h);
        dirTimes.push({ path: root, depth: 0, times: entryTimes(h) });
      }
      return;
    }
    const { path, parent } = await resolver.entry(rel, true);
    const fresh = mode === 'overlay';
    const perm = (h.mode ?? 0o644) & 0o7777;
    created.add(rel);
    deferred.delete(rel);

    switch (type) {
      case 'file':
      case 'contiguous-file': {
        await writes.settle(path);
        const t = entryTimes(h);
        const write = async (data: Uint8Array[] | AsyncIterable<Uint8Array>) => {
          let fd = -1;
          await createOrReplace(path, async () => (fd = await fdOpen(path, CREATE_FLAGS, perm & 0o777)), false);
          try {
            if (Array.isArray(data)) {
              await writevAll(fd, data);
            } else {
              for await (const chunk of data) await writeAll(fd, chunk);
            }
            if (needsChown(h, parent, fresh)) await fdChown(fd, h.uid ?? 0, h.gid ?? 0);
            if (needsChmod(perm)) await fdChmod(fd, perm); // after chown: chown clears setuid/setgid
            await fdUtimes(fd, t.atime, t.mtime);
          } finally {
            await fdClose(fd);
          }
        };
        result.size += h.size ?? 0;
        // Small files are read into memory and written while the next entries are parsed:
        // per-file latency on disk filesystems, not bandwidth, is what an unpack waits on.
        if ((h.size ?? 0) <= SMALL_FILE) {
          const chunks: Uint8Array[] = [];
          for await (const chunk of body) chunks.push(chunk);
          await writes.start(path, () => write(chunks));
        } else {
          await write(body);
        }
        break;
      }
      case 'directory': {
        await writes.settle(path);
        const how = await createOrReplace(path, () => mkdir(path, perm & 0o777), true);
        if (how === 'merged' || needsChown(h, parent, fresh)) await lchown(path, h.uid ?? 0, h.gid ?? 0);
        if (how === 'merged' || needsChmod(perm)) await chmod(path, perm);
        if (perm & 0o2000) setgidDirs.add(path);
        resolver.knownDir(path);
        dirTimes.push({ path, depth: rel.split('/').length, times: entryTimes(h) });
        break;
      }
      case 'symlink': {
        await writes.settle(path);
        await createOrReplace(path, () => symlink(h.linkname ?? '', path), false);
        if (needsChown(h, parent, fresh)) await lchown(path, h.uid ?? 0, h.gid ?? 0);
        const t = entryTimes(h);
        await lutimes(path, t.atime, t.mtime);
        break;
      }
      case 'link': {
        const targetRel = cleanEntryName(h.linkname ?? '');
        if (targetRel === '') throw invalidArgument(`hardlink "${rel}" has no target`);
        const target = await resolver.entry(targetRel, false).catch(() => undefined);
        if (target) await writes.settle(target.path);
        await writes.settle(path);
        if (deferred.has(targetRel) && target) {
          batch.link(target.path, path);
          deferred.add(rel);
        } else if (!target || !(await exists(target.path))) {
          throw invalidArgument(`hardlink "${rel}" points to "${targetRel}", which is not in the layer`);
        } else {
          await createOrReplace(path, () => link(target.path, path), false);
        }
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        await writes.settle(path);
        const st = await exists(path);
        if (st) await remove(path, st.isDirectory());
        batch.mknod(path, type === 'fifo' ? 'p' : type === 'block-device' ? 'b' : 'c', h.mode ?? 0o644, h.devmajor ?? 0, h.devminor ?? 0);
        batch.chown(path, h.uid ?? 0, h.gid ?? 0);
        batch.chmod(path, h.mode ?? 0o644);
        deferred.add(rel);
        specialTimes.push({ path, times: entryTimes(h) });
        break;
      }
      default:
        return; // other record types (GNU sparse, volume labels) carry nothing to apply
    }
    for (const [name, value] of h.xattrs) batch.setxattr(path, name, value);
  };

  try {
    // readTar reads the input to its end, so a digest taken over it is complete.
    for await (const { header: h, body } of readTar(tar)) {
      try {
        await applyEntry(h, body);
      } catch (err) {
        throw new Error(`apply "${h.name}": ${(err as Error).message}`, { cause: err });
      }
      result.entries++;
    }
    await writes.settleAll();
    await batch.run('apply layer special files and xattrs');
    for (const s of specialTimes) await lutimes(s.path, s.times.atime, s.times.mtime);
    dirTimes.sort((a, b) => b.depth - a.depth);
    for (const d of dirTimes) await lutimes(d.path, d.times.atime, d.times.mtime);
  } catch (err) {
    tar.destroy();
    await writes.settleAll().catch(() => {});
    throw err;
  }
  return result;
}
