// Container records on disk: <root>/containers/<id>/config.v2.json (written
// atomically), names reserved by exclusive create of <root>/names/<name>, and
// per-container locks. The run directory <runroot>/containers/<id>/ holds what a
// reboot loses: bundle, rootfs mountpoint, monitor sockets, exit status.
import { readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { closeSync, fsync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, notFound } from '../errdefs/index.js';
import type { ContainerInspect } from './docker-types.js';
import { acquireLock, withLock } from '../sys/lockfile.js';
import { processAlive } from '../sys/process-alive.js';

/** What Gantry keeps beside docker's fields. */
export interface GantryState {
  /** Pid of the command creating the container; set until creation finished. */
  creator?: number;
  /** Key of the container's rootfs snapshot in the image service. */
  rootfsKey: string;
  /** The image reference as the user typed it (docker shows it in ps). */
  imageRef: string;
  /** The user stopped it (unless-stopped policy; boot). */
  stoppedByUser?: boolean;
  /** Pid of the process waiting out a policy restart's back-off. */
  restarter?: number;
  /** Back-off before the next policy restart. */
  restartDelayMs?: number;
  /** The OCI runtime binary HostConfig.Runtime named at create (absent for the in-process runtime). */
  runtimePath?: string;
  /** Named volumes created for image VOLUMEs and -v /path (removed by rm -v). */
  anonymousVolumes?: string[];
}

export type ContainerRecord = Omit<ContainerInspect, 'NetworkSettings' | 'ExecIDs' | 'GraphDriver'> & {
  NetworkSettings: ContainerInspect['NetworkSettings'];
  Gantry: GantryState;
};

export const newContainerId = () => randomBytes(32).toString('hex');

const TRASH_PREFIX = '.removing-';
/** A container directory being made: `<prefix><id>-<pid of its creator>`. */
const CREATING_PREFIX = '.creating-';

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class ContainerStore {
  readonly containersDir: string;
  readonly namesDir: string;
  readonly runDir: string;
  constructor(
    readonly root: string,
    readonly runroot: string,
  ) {
    this.containersDir = join(root, 'containers');
    this.namesDir = join(root, 'names');
    this.runDir = join(runroot, 'containers');
  }

  async init(): Promise<void> {
    for (const dir of [this.containersDir, this.namesDir, this.runDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  dir = (id: string) => join(this.containersDir, id);
  /** Keyed by the short id: unix socket paths in it must stay under 108 bytes. */
  runPath = (id: string, ...rest: string[]) => join(this.runDir, id.slice(0, 12), ...rest);
  private recordPath = (id: string) => join(this.containersDir, id, 'config.v2.json');

  // Records are small files read and written a few times per command: synchronous
  // calls, except the fsync (which waits for the disk), spare a thread-pool round
  // trip per open, read, write, close and rename.

  async read(id: string): Promise<ContainerRecord | undefined> {
    try {
      return JSON.parse(readFileSync(this.recordPath(id), 'utf8')) as ContainerRecord;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes a container's directory holding its first record: staged under a name
   * outside the id namespace, then renamed in, so a crash never leaves an id
   * directory without a record (sweepTrash removes a dead creator's staging).
   */
  async create(rec: ContainerRecord): Promise<void> {
    const staging = join(this.containersDir, `${CREATING_PREFIX}${rec.Id}-${process.pid}`);
    mkdirSync(staging, { mode: 0o700 });
    try {
      await this.writeRecord(join(staging, 'config.v2.json'), rec);
      renameSync(staging, this.dir(rec.Id));
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
  }

  write(rec: ContainerRecord): Promise<void> {
    return this.writeRecord(this.recordPath(rec.Id), rec);
  }

  private async writeRecord(path: string, rec: ContainerRecord): Promise<void> {
    const tmp = `${path}.${process.pid}.tmp`;
    // 0600: Config.Env often carries secrets (docker's config.v2.json is 0600 too)
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeFileSync(fd, JSON.stringify(rec));
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  async ids(): Promise<string[]> {
    return (await readdir(this.containersDir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  async list(): Promise<ContainerRecord[]> {
    const recs = await Promise.all((await this.ids()).map((id) => this.read(id)));
    return recs.filter((r): r is ContainerRecord => r !== undefined);
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  async lookup(ref: string): Promise<ContainerRecord> {
    const missing = () => notFound(`No such container: ${ref}`);
    if (!ref) throw missing();
    if (/^[0-9a-f]{64}$/.test(ref)) {
      const r = await this.read(ref);
      if (r) return r;
    }
    const byName = await readFile(join(this.namesDir, ref.replace(/^\//, '')), 'utf8').catch(() => undefined);
    if (byName && NAME_RE.test(ref)) {
      const r = await this.read(byName.trim());
      if (r) return r;
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = (await this.ids()).filter((id) => id.startsWith(ref));
      if (matches.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
      if (matches.length === 1) {
        const r = await this.read(matches[0]!);
        if (r) return r;
      }
    }
    throw missing();
  }

  /**
   * A name's file is only ever deleted under this lock, after its holder was read
   * under it; an exclusive create needs none, as it cannot replace a file. So a
   * release or a reclaim never deletes a reservation made meanwhile by another
   * process (which would let two containers take the name).
   */
  private withNameLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const dir = join(this.runroot, 'name-locks');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return withLock(join(dir, name), `container name ${name}`, fn);
  }

  /** Reserves a name for id; a live holder makes it docker's conflict error. */
  async reserveName(name: string, id: string): Promise<void> {
    if (!NAME_RE.test(name)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const bare = name.replace(/^\//, '');
    const path = join(this.namesDir, bare);
    const create = () => {
      try {
        writeFileSync(path, id, { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return false;
      }
    };
    if (create()) return;
    await this.withNameLock(bare, async () => {
      if (create()) return;
      const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
      // A name whose container record is gone was left by a crash: reclaim it.
      if (holder && (await this.read(holder)) === undefined && !(await this.dirExists(holder))) {
        await unlink(path).catch(() => undefined);
        if (create()) return;
      }
      throw conflict(
        `Conflict. The container name "/${bare}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    });
  }

  /**
   * Removes names whose container is gone: a crash between removing a record and
   * releasing its name. Records are written before their names are reserved, so
   * a holder without a record or directory is never one still being created.
   */
  async sweepOrphanNames(): Promise<void> {
    for (const name of await readdir(this.namesDir).catch(() => [] as string[])) {
      const path = join(this.namesDir, name);
      await this.withNameLock(name, async () => {
        const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
        if (holder && (await this.read(holder)) === undefined && !(await this.dirExists(holder))) await unlink(path).catch(() => undefined);
      });
    }
  }

  async releaseName(name: string, id: string): Promise<void> {
    const bare = name.replace(/^\//, '');
    const path = join(this.namesDir, bare);
    await this.withNameLock(bare, async () => {
      const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (holder === id) rmSync(path, { force: true });
    });
  }

  private async dirExists(id: string): Promise<boolean> {
    return readdir(this.dir(id)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Removes a container's directory so that a crash midway leaves no half
   * record: it is renamed out of the id namespace first, then deleted.
   */
  async removeDir(id: string): Promise<void> {
    const trash = join(this.containersDir, `${TRASH_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.dir(id), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    // A handful of files: synchronous calls spare a thread-pool round trip each.
    rmSync(trash, { recursive: true, force: true });
  }

  /** Deletes what removeDir or create left when their process died before finishing. */
  async sweepTrash(): Promise<number> {
    const abandoned = (n: string) => n.startsWith(CREATING_PREFIX) && !processAlive(Number(n.slice(n.lastIndexOf('-') + 1)));
    const names = (await readdir(this.containersDir).catch(() => [] as string[])).filter((n) => n.startsWith(TRASH_PREFIX) || abandoned(n));
    await Promise.all(names.map((n) => rm(join(this.containersDir, n), { recursive: true, force: true })));
    return names.length;
  }

  lockPath = (id: string) => join(this.containersDir, id, 'lock');

  /** Under the container's lock; a container removed meanwhile (its directory gone) is docker's "No such container". */
  async withContainerLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    let release: () => Promise<void>;
    try {
      release = await acquireLock(this.lockPath(id), `container ${id.slice(0, 12)}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`No such container: ${id}`);
      throw err;
    }
    try {
      return await fn();
    } finally {
      await release();
    }
  }
}
