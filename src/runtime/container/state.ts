// On-disk container state: <root>/<id>/state.json (atomic temp + rename) and exec.fifo,
// plus the liveness check that turns them into a status (runc's rules).
// Synchronous calls: these are small files on the state root (a tmpfs normally), and
// fs/promises would cost every short-lived CLI call its module loading.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStatus, Spec } from '../../oci/runtime-spec.js';
import { GantryError, invalidArgument, notFound } from '../../errdefs/index.js';
import type { ContainerState } from '../api.js';
import { processStartTime } from '../../sys/process-alive.js';
import { ensurePrivateDir } from '../../sys/private-dir.js';

/** What state.json holds: the public state plus what later verbs need. */
export interface StoredState extends Omit<ContainerState, 'status'> {
  /** /proc/<pid>/stat starttime of the init, so a recycled pid is not mistaken for it. */
  initStartTime: string;
  config: Spec;
  cgroupsPath?: string;
  systemdCgroup?: boolean;
}

const ID_RE = /^[\w+\-.]+$/;

export function validateId(id: string): void {
  if (!id || !ID_RE.test(id) || id === '.' || id === '..') throw invalidArgument(`invalid container id format: ${id}`);
}

export class StateDir {
  constructor(readonly root: string, readonly id: string) {}
  get dir(): string {
    return join(this.root, this.id);
  }
  get stateFile(): string {
    return join(this.dir, 'state.json');
  }
  get fifo(): string {
    return join(this.dir, 'exec.fifo');
  }
  get lockFile(): string {
    return join(this.dir, 'lock');
  }

  /** Claims the id: the directory's exclusive creation is the duplicate check. False if taken. */
  async claim(): Promise<boolean> {
    ensurePrivateDir(this.root);
    try {
      mkdirSync(this.dir, { mode: 0o711 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  /**
   * Atomic for concurrent readers (temp + rename). Not fsynced, like runc's: the
   * state describes processes that a power loss ends anyway, and a torn file
   * after one is handled like a missing one (forced delete, the engine's repair).
   */
  async write(state: StoredState): Promise<void> {
    const tmp = join(this.dir, `.state.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, this.stateFile);
  }

  async read(): Promise<StoredState> {
    let text: string;
    try {
      text = readFileSync(this.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`container ${this.id} does not exist`);
      throw err;
    }
    try {
      return JSON.parse(text) as StoredState;
    } catch (err) {
      throw new GantryError('internal', `container ${this.id}: corrupt state.json: ${(err as Error).message}`, { cause: err });
    }
  }

  async remove(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function listIds(root: string): Promise<string[]> {
  try {
    const entries = readdirSync(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'state.json'))).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The init still runs (not a zombie, not a recycled pid). */
export function initAlive(s: Pick<StoredState, 'pid' | 'initStartTime'>): boolean {
  if (!s.pid) return false;
  const startTime = processStartTime(s.pid);
  // An unknown start time (its read failed at create) cannot tell pid reuse: trust the pid.
  return startTime !== undefined && (s.initStartTime === '' || startTime === s.initStartTime);
}

export function baseStatus(s: StoredState, fifo: string): ContainerStatus {
  if (!initAlive(s)) return 'stopped';
  return existsSync(fifo) ? 'created' : 'running';
}
