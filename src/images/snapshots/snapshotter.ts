// Snapshots keyed by name (a layer chain ID, or a container's key), stored as
// <root>/<n>/ with short numeric n (containerd's trick: overlay option strings
// stay short for deep images) and found through <root>/keys/<key> symlinks.
//
//  overlayfs: a committed snapshot's fs/ holds only its layer's diff (whiteouts
//             as 0/0 char devices, opaque dirs by xattr); containers get an
//             upper fs/ + work/ over lowerdir=top:...:bottom.
//  native:    each snapshot's fs/ is a full copy of its parent plus its layer,
//             for hosts whose filesystem cannot hold an overlay upper dir.
//
// Creation stages in tmp/, renames to <n> atomically and publishes by creating
// the key symlink: two processes creating one key both succeed, one copy stays.
// Metadata (key links, info.json, staging dirs) is handled with synchronous
// calls: each is one small syscall, cheaper than a thread-pool round trip, and
// a container's create and remove make a dozen of them.
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alreadyExists, invalidArgument, notFound } from '../../errdefs/index.js';
import type { WhiteoutMode } from '../archive/apply.js';
import type { Mount } from './mount.js';
import { ensureStagingDir, stagingPrefix } from './staging-dir.js';

export type SnapshotterName = 'overlayfs' | 'native';

export interface SnapshotInfo {
  key: string;
  id: string;
  kind: 'committed' | 'active';
  parent?: string;
  created: string;
  /** Bytes of the layer's own files (committed snapshots). */
  size?: number;
}

/** A snapshot as a mount and as the directories it unites. */
export interface SnapshotView {
  mount: Mount;
  /** Top first: the snapshot's own fs/, then its parents' (one directory for native and bind views). */
  layers: string[];
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function linkName(key: string): string {
  if (!KEY_RE.test(key)) throw invalidArgument(`invalid snapshot key "${key}"`);
  return key.replace(/:/g, '-');
}

function cp(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('cp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`copy snapshot: ${stderr.trim()}`))));
  });
}

export class Snapshotter {
  readonly whiteoutMode: WhiteoutMode;
  private readonly committing = new Map<string, Promise<SnapshotInfo>>();

  constructor(
    readonly root: string,
    readonly name: SnapshotterName,
  ) {
    this.whiteoutMode = name === 'overlayfs' ? 'overlay' : 'merge';
  }

  private keyPath(key: string): string {
    return join(this.root, 'keys', linkName(key));
  }

  /** Directory holding a snapshot's files. */
  fsPath(id: string): string {
    return join(this.root, id, 'fs');
  }

  async init(): Promise<void> {
    await mkdir(join(this.root, 'keys'), { recursive: true });
    await ensureStagingDir(this.root);
  }

  async stat(key: string): Promise<SnapshotInfo | undefined> {
    let id: string;
    try {
      id = readlinkSync(this.keyPath(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    id = id.replace(/^\.\.\//, '');
    try {
      return JSON.parse(readFileSync(join(this.root, id, 'info.json'), 'utf8')) as SnapshotInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // being removed
      throw err;
    }
  }

  async mustStat(key: string): Promise<SnapshotInfo> {
    const info = await this.stat(key);
    if (!info) throw notFound(`snapshot ${key} does not exist`);
    return info;
  }

  async list(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const name of await readdir(join(this.root, 'keys')).catch(() => [] as string[])) {
      const info = await this.stat(name.replace(/^(sha256|sha512)-/, '$1:'));
      if (info) out.push(info);
    }
    return out;
  }

  /** Snapshot ids from `key` down to the base layer. */
  async chain(key: string): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (let k: string | undefined = key; k !== undefined; ) {
      const info = await this.mustStat(k);
      out.push(info);
      k = info.parent;
    }
    return out;
  }

  /**
   * Creates committed snapshot `key` over `parent`: `fill` writes its contents into a
   * staging dir (for native, a copy of the parent). On error nothing is left behind.
   */
  commit(key: string, parent: string | undefined, fill: (dir: string) => Promise<number>): Promise<SnapshotInfo> {
    const running = this.committing.get(key);
    if (running) return running;
    const p = this.doCommit(key, parent, fill).finally(() => this.committing.delete(key));
    this.committing.set(key, p);
    return p;
  }

  private async doCommit(key: string, parent: string | undefined, fill: (dir: string) => Promise<number>): Promise<SnapshotInfo> {
    const existing = await this.stat(key);
    if (existing) return existing;
    return this.commitComputed(parent, async (dir) => ({ key, size: await fill(dir) }));
  }

  /**
   * Like commit, for content whose key is known only once written (import, commit:
   * the chain ID depends on the digest of what was applied).
   */
  async commitComputed(parent: string | undefined, fill: (dir: string) => Promise<{ key: string; size: number }>): Promise<SnapshotInfo> {
    const staging = await mkdtemp(join(this.root, 'tmp', stagingPrefix('new')));
    try {
      const fsDir = join(staging, 'fs');
      if (this.name === 'native' && parent !== undefined) {
        const p = await this.mustStat(parent);
        await cp(['-a', '--reflink=auto', this.fsPath(p.id), fsDir]);
      } else {
        await mkdir(fsDir, 0o755);
      }
      const { key, size } = await fill(fsDir);
      const existing = await this.stat(key);
      if (existing) return existing;
      const info: Omit<SnapshotInfo, 'id'> = { key, kind: 'committed', parent, created: new Date().toISOString(), size };
      return await this.publish(staging, info);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Renames staging to a fresh <n> and links the key; if another process won the key, keeps theirs. */
  private async publish(staging: string, info: Omit<SnapshotInfo, 'id'>): Promise<SnapshotInfo> {
    let n = this.nextId();
    let id: string;
    for (;;) {
      id = String(n);
      writeFileSync(join(staging, 'info.json'), JSON.stringify({ ...info, id }));
      try {
        renameSync(staging, join(this.root, id));
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        n++;
      }
    }
    try {
      symlinkSync(`../${id}`, this.keyPath(info.key));
    } catch (err) {
      rmSync(join(this.root, id), { recursive: true, force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const theirs = await this.stat(info.key);
      if (!theirs || theirs.kind !== info.kind) throw alreadyExists(`snapshot ${info.key} already exists`);
      return theirs;
    }
    return { ...info, id };
  }

  private nextId(): number {
    let max = 0;
    for (const name of readdirSync(this.root)) if (/^\d+$/.test(name)) max = Math.max(max, Number(name));
    return max + 1;
  }

  /** Creates an active (writable) snapshot for a container over committed `parent`. */
  async prepare(key: string, parent: string | undefined): Promise<SnapshotInfo> {
    if (await this.stat(key)) throw alreadyExists(`snapshot ${key} already exists`);
    const staging = mkdtempSync(join(this.root, 'tmp', stagingPrefix('new')));
    try {
      const fsDir = join(staging, 'fs');
      if (this.name === 'native' && parent !== undefined) {
        await cp(['-a', '--reflink=auto', this.fsPath((await this.mustStat(parent)).id), fsDir]);
      } else {
        if (parent !== undefined) await this.mustStat(parent);
        mkdirSync(fsDir, 0o755);
      }
      if (this.name === 'overlayfs') mkdirSync(join(staging, 'work'), 0o700);
      return await this.publish(staging, { key, kind: 'active', parent, created: new Date().toISOString() });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * Mounts for an active snapshot. With `relative`, overlay layer paths are relative
   * to this.root (pass it as the mount's cwd) to stay under the option-length limit.
   */
  async mounts(key: string, relative = false): Promise<Mount[]> {
    return [(await this.view(key, relative)).mount];
  }

  /**
   * How snapshot `key` is seen: its mount (overlay layer paths relative to this.root
   * unless `relative` is false) and the directories whose union it is, top first.
   */
  async view(key: string, relative = true): Promise<SnapshotView> {
    const info = await this.mustStat(key);
    const base = relative ? '' : this.root + '/';
    const own = this.fsPath(info.id);
    if (this.name === 'native' || info.parent === undefined) {
      return { mount: { type: 'bind', source: own, options: ['rbind', info.kind === 'active' ? 'rw' : 'ro'] }, layers: [own] };
    }
    const parents = await this.chain(info.parent);
    const layers = [own, ...parents.map((p) => this.fsPath(p.id))];
    const lowers = parents.map((s) => `${base}${s.id}/fs`);
    if (info.kind === 'committed') {
      lowers.unshift(`${base}${info.id}/fs`);
      // A single lower cannot be an overlay without an upper: bind it read-only.
      if (lowers.length === 1) return { mount: { type: 'bind', source: own, options: ['rbind', 'ro'] }, layers };
      return { mount: { type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }, layers };
    }
    return {
      mount: { type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`, `upperdir=${base}${info.id}/fs`, `workdir=${base}${info.id}/work`] },
      layers,
    };
  }

  /**
   * Unlinks the key first (atomic), then deletes the files, with synchronous calls:
   * a container's snapshot is a handful of entries, and each async call would cost
   * a thread-pool round trip on the path of every `run --rm`.
   */
  async remove(key: string): Promise<void> {
    const info = await this.stat(key);
    rmSync(this.keyPath(key), { force: true });
    if (info) rmSync(join(this.root, info.id), { recursive: true, force: true });
  }

  /** Bytes used on disk by a snapshot's own files (du-style, hardlinks counted once). */
  async usage(id: string): Promise<number> {
    const seen = new Set<number>();
    let total = 0;
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        const st = await lstat(p);
        if (st.nlink > 1) {
          if (seen.has(st.ino)) continue;
          seen.add(st.ino);
        }
        if (st.isFile()) total += st.size;
        if (e.isDirectory()) await walk(p);
      }
    };
    await walk(this.fsPath(id)).catch(() => undefined);
    return total;
  }

  /** Numeric snapshot dirs and staging dirs on disk (for GC's orphan sweep). */
  async onDisk(): Promise<{ ids: string[]; staging: string[] }> {
    const ids = (await readdir(this.root)).filter((n) => /^\d+$/.test(n));
    const staging = (await readdir(join(this.root, 'tmp')).catch(() => [] as string[])).map((n) => join(this.root, 'tmp', n));
    return { ids, staging };
  }
}
