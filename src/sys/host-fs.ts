// Every host file side effect the cgroup code makes goes through HostFs, so the
// plan of writes can be unit-tested without root against RecordingHostFs.
import { mkdir, readFile, readdir, rmdir, stat, writeFile } from 'node:fs/promises';

export interface HostFs {
  readFile(path: string): Promise<string>;
  writeFile(path: string, data: string): Promise<void>;
  mkdir(path: string, opts?: { recursive?: boolean }): Promise<void>;
  rmdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  readdir(path: string): Promise<string[]>;
}

export const realHostFs: HostFs = {
  readFile: (path) => readFile(path, 'utf8'),
  // cgroupfs wants each value in one write(2); writeFile with a string does that.
  writeFile: (path, data) => writeFile(path, data),
  mkdir: async (path, opts) => {
    await mkdir(path, { recursive: opts?.recursive ?? false });
  },
  rmdir: (path) => rmdir(path),
  exists: async (path) => {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  },
  readdir: (path) => readdir(path),
};

export type HostFsOp = 'readFile' | 'writeFile' | 'mkdir' | 'rmdir' | 'exists' | 'readdir';

export interface HostFsCall {
  op: HostFsOp;
  path: string;
  data?: string;
}

function enoent(op: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, ${op} '${path}'`);
  err.code = 'ENOENT';
  err.path = path;
  return err;
}

const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), 1));

/**
 * An in-memory HostFs that records every call in order. Reads are served from
 * the preset files (and from what was written since); directories exist if
 * preset, created, or implied by a preset file.
 */
export class RecordingHostFs implements HostFs {
  readonly calls: HostFsCall[] = [];
  readonly files: Map<string, string>;
  readonly dirs = new Set<string>();

  constructor(files: Record<string, string> = {}, dirs: string[] = []) {
    this.files = new Map(Object.entries(files));
    for (const d of dirs) this.addDirWithParents(d);
    for (const f of this.files.keys()) this.addDirWithParents(parentOf(f));
  }

  /** Writes only (what a plan changes on the host), as [path, data] pairs. */
  writes(): [string, string][] {
    return this.calls.filter((c) => c.op === 'writeFile').map((c) => [c.path, c.data ?? '']);
  }

  async readFile(path: string): Promise<string> {
    this.calls.push({ op: 'readFile', path });
    const data = this.files.get(path);
    if (data === undefined) throw enoent('open', path);
    return data;
  }

  async writeFile(path: string, data: string): Promise<void> {
    this.calls.push({ op: 'writeFile', path, data });
    if (!this.dirs.has(parentOf(path))) throw enoent('open', path);
    this.files.set(path, data);
  }

  async mkdir(path: string, opts?: { recursive?: boolean }): Promise<void> {
    this.calls.push({ op: 'mkdir', path });
    if (opts?.recursive) this.addDirWithParents(path);
    else if (!this.dirs.has(parentOf(path))) throw enoent('mkdir', path);
    else this.dirs.add(path);
  }

  async rmdir(path: string): Promise<void> {
    this.calls.push({ op: 'rmdir', path });
    if (!this.dirs.delete(path)) throw enoent('rmdir', path);
    for (const f of [...this.files.keys()]) if (f.startsWith(path + '/')) this.files.delete(f);
  }

  async exists(path: string): Promise<boolean> {
    this.calls.push({ op: 'exists', path });
    return this.dirs.has(path) || this.files.has(path);
  }

  async readdir(path: string): Promise<string[]> {
    this.calls.push({ op: 'readdir', path });
    if (!this.dirs.has(path)) throw enoent('scandir', path);
    const names = new Set<string>();
    for (const p of [...this.dirs, ...this.files.keys()]) {
      if (p !== path && parentOf(p) === path) names.add(p.slice(path.length + 1));
    }
    return [...names].sort();
  }

  private addDirWithParents(path: string): void {
    for (let p = path; p !== '/' && p !== ''; p = parentOf(p)) this.dirs.add(p);
    this.dirs.add('/');
  }
}
