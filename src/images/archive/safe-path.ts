// Tar entry names to paths inside a target root, the way containerd treats them:
// names are cleaned as if the root were "/" (so "../x" and "/x" both land at
// <root>/x) and symlinks met on the way are resolved inside the root too, so no
// entry can reach outside it.
import { lstat, mkdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';

/** Cleans a tar name to root-relative components ("" for the root itself). */
export function cleanEntryName(name: string): string {
  const cleaned = posix.normalize('/' + name).replace(/\/+$/, '');
  return cleaned.slice(1);
}

const MAX_SYMLINK_HOPS = 40;

/**
 * Resolves root-relative `rel` to a real directory path inside `root`, following
 * symlinks within the root's scope (an absolute target means root-relative) and
 * creating missing directories (0755) when `create` is set.
 */
export class RootResolver {
  /** Directories known to be real (not symlinks) under root; cleared when anything is removed. */
  private readonly knownDirs = new Set<string>();

  constructor(readonly root: string) {}

  forget(): void {
    this.knownDirs.clear();
  }

  /** Records a directory the caller just created or checked (saves an lstat per child). */
  knownDir(path: string): void {
    this.knownDirs.add(path);
  }

  /** Real path of directory `rel` (root-relative, cleaned). */
  async dir(rel: string, create: boolean): Promise<string> {
    if (rel === '') return this.root;
    const todo = rel.split('/');
    const done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      done.push(part);
      const path = this.root + '/' + done.join('/');
      if (this.knownDirs.has(path)) continue;
      let st;
      try {
        st = await lstat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw err;
        await mkdir(path, 0o755);
        this.knownDirs.add(path);
        continue;
      }
      if (st.isDirectory()) {
        this.knownDirs.add(path);
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw invalidArgument(`too many levels of symbolic links resolving "${rel}"`);
        const target = await readlink(path);
        done.pop();
        if (target.startsWith('/')) done.length = 0;
        todo.unshift(...target.split('/'));
      } else {
        throw invalidArgument(`"${done.join('/')}" is not a directory (resolving "${rel}")`);
      }
    }
    return done.length === 0 ? this.root : this.root + '/' + done.join('/');
  }

  /** Real path for entry `rel`: parents resolved in root scope, last component kept as is. */
  async entry(rel: string, create = true): Promise<{ path: string; parent: string; base: string }> {
    const i = rel.lastIndexOf('/');
    const parent = await this.dir(i < 0 ? '' : rel.slice(0, i), create);
    const base = i < 0 ? rel : rel.slice(i + 1);
    return { path: parent + '/' + base, parent, base };
  }
}
