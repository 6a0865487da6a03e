// Files in and out of a container (docker cp) and its filesystem as a tar
// (docker export). Container paths are resolved component by component inside
// the container's root: symlinks (absolute ones mean the container's root) and
// ".." never lead out of it. A running container is reached through
// /proc/<pid>/root, which shows its volumes and tmpfs mounts; a stopped one has
// its rootfs mounted for the copy (under the container's lock, so it cannot be
// started meanwhile) with its volumes and binds mapped onto their sources.
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { failedPrecondition, invalidArgument, notFound } from '../errdefs/index.js';
import type { PathStat } from './api-types.js';
import type { EngineCore } from './engine.js';
import { requireImageService } from './image-service.js';
import { pidAlive } from '../sys/lockfile.js';
import type { ContainerRecord } from './store.js';
import { extractTar, packPath } from './tar-tree.js';

const MAX_SYMLINK_HOPS = 255;

/** docker export: the container's merged filesystem (volumes excluded) as a tar stream. */
export async function exportContainer(engine: EngineCore, ref: string): Promise<Readable> {
  const rec = await engine.containers.get(ref);
  const tar = await requireImageService(engine.images, 'export').exportRootfs(rec.Gantry.rootfsKey);
  engine.events.emit({ Type: 'container', Action: 'export', Actor: { ID: rec.Id, Attributes: { name: rec.Name.slice(1), image: rec.Config.Image } } });
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

// ---- GET/HEAD/PUT /containers/{id}/archive ----

/** Go's os.FileMode bits for a stat's mode (the type bits high; as unsigned, hence no shifts). */
export function goFileMode(mode: number): number {
  const S_IFMT = 0o170000;
  const type = mode & S_IFMT;
  let bits = mode & 0o777;
  if (mode & 0o4000) bits += 2 ** 23; // setuid
  if (mode & 0o2000) bits += 2 ** 22; // setgid
  if (mode & 0o1000) bits += 2 ** 20; // sticky
  if (type === 0o040000) bits += 2 ** 31;
  else if (type === 0o120000) bits += 2 ** 27;
  else if (type === 0o060000) bits += 2 ** 26;
  else if (type === 0o020000) bits += 2 ** 26 + 2 ** 21;
  else if (type === 0o010000) bits += 2 ** 25;
  else if (type === 0o140000) bits += 2 ** 24;
  return bits;
}

export const isDirMode = (goMode: number) => goMode >= 2 ** 31;
export const isSymlinkMode = (goMode: number) => Math.floor(goMode / 2 ** 27) % 2 === 1;

/** docker keeps a trailing "/." or "/" of a path: it asks for a directory's contents, or to follow a final symlink. */
const endsInDot = (path: string) => /(^|\/)\.$/.test(path);
const followsFinal = (path: string) => path.endsWith('/') || endsInDot(path);

/** The entry name docker gives a path: its last element, "." for ".../." (contents), "/" for the root. */
function baseName(path: string): string {
  if (endsInDot(path)) return '.';
  return posix.basename(posix.normalize(`/${path}`)) || '/';
}

/** The resolved path's own stat; the root is followed (a running container's is the /proc/<pid>/root link). */
const statResolved = (r: ResolvedPath) => (r.containerPath === '/' ? stat(r.hostPath) : lstat(r.hostPath)).catch(() => undefined);

const notInContainer = (path: string, rec: ContainerRecord) => notFound(`Could not find the file ${path} in container ${rec.Name.slice(1)}`);

interface StatResult {
  stat: PathStat;
  hostPath: string;
}

/** dockerd's StatPath: the path resolved in the container (its final symlink only with a trailing "/" or "/."). */
async function statIn(fs: ContainerFs, rec: ContainerRecord, path: string): Promise<StatResult> {
  const resolved = await fs.resolve(path, followsFinal(path));
  const st = await statResolved(resolved);
  if (!st) throw notInContainer(path, rec);
  if (followsFinal(path) && !st.isDirectory()) throw invalidArgument(`not a directory: ${path}`);
  const linkTarget = st.isSymbolicLink() ? (await fs.resolve(path, true)).containerPath : '';
  return { stat: { name: baseName(path), size: st.size, mode: goFileMode(st.mode), mtime: st.mtime.toISOString(), linkTarget }, hostPath: resolved.hostPath };
}

export async function archiveStat(engine: EngineCore, ref: string, path: string): Promise<PathStat> {
  const rec = await engine.containers.get(ref);
  return withContainerFs(engine, rec, async (fs) => (await statIn(fs, rec, path)).stat);
}

/**
 * A tar of path whose top entry is the path's last element (its contents for
 * ".../."). A stopped container's rootfs stays mounted until the tar is read.
 */
export async function archiveGet(engine: EngineCore, ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
  const rec = await engine.containers.get(ref);
  return new Promise((resolve, reject) => {
    let delivered = false;
    withContainerFs(engine, rec, async (fs) => {
      const { stat, hostPath } = await statIn(fs, rec, path);
      const tar = new PassThrough();
      delivered = true;
      resolve({ stat, tar });
      // the root of a running container is the /proc/<pid>/root link: followed
      await pipeline(packPath(hostPath, stat.name, stat.name === '/'), tar);
    }).catch((err: unknown) => {
      if (!delivered) reject(err);
    });
  });
}

/** docker refuses a read-only rootfs or read-only mount as the destination; rw volumes in a read-only container are fine. */
function assertWritable(rec: ContainerRecord, containerPath: string): void {
  const mount = rec.Mounts.filter((m) => containerPath === posix.normalize(m.Destination) || containerPath.startsWith(posix.normalize(m.Destination) + '/')).sort((a, b) => b.Destination.length - a.Destination.length)[0];
  const writable = mount ? mount.RW : !rec.HostConfig.ReadonlyRootfs;
  if (!writable) throw failedPrecondition(mount ? `mounted volume is marked read-only` : 'container rootfs is marked read-only');
}

/**
 * Extracts a tar into the directory path (symlinks followed in the container's
 * scope). Everything is owned by the container's root unless copyUIDGID.
 */
export async function archivePut(engine: EngineCore, ref: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
  const rec = await engine.containers.get(ref);
  await withContainerFs(engine, rec, async (fs) => {
    const target = await fs.resolve(path, true);
    const st = await statResolved(target);
    if (!st) throw notInContainer(path, rec);
    if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
    assertWritable(rec, target.containerPath);
    await extractTar(tar, target.hostPath, { ...(opts.copyUIDGID ? {} : { owner: { uid: 0, gid: 0 } }), ...(opts.noOverwriteDirNonDir ? { noOverwriteDirNonDir: true } : {}) });
  });
}
