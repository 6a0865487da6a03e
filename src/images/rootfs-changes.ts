// `docker diff` for a container's writable snapshot: on overlayfs the upper dir
// is the change set (0/0 char devices are deletions); on the native snapshotter
// the copy is compared with its parent by type, size, mode, owner and mtime.
import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export type ChangeKind = 0 | 1 | 2; // docker's Modified, Added, Deleted

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

const stat = (p: string) => lstat(p).catch(() => undefined);

/** Changes in an overlay upper dir over `lowers` (top first). */
export async function overlayChanges(upper: string, lowers: string[]): Promise<Change[]> {
  const out: Change[] = [];
  const inLower = async (rel: string) => {
    for (const l of lowers) if (await stat(l + rel)) return true;
    return false;
  };
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(upper + rel)).sort()) {
      const r = `${rel}/${name}`;
      const st = await lstat(upper + r);
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      const existed = await inLower(r);
      out.push({ Path: r, Kind: existed ? 0 : 1 });
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}

const same = (a: Stats, b: Stats) =>
  a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.size === b.size && a.mtimeMs === b.mtimeMs && a.rdev === b.rdev;

/** Changes between a full copy and its parent's tree (parent undefined: everything is added). */
export async function treeChanges(dir: string, parent: string | undefined): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = new Set(await readdir(dir + rel).catch(() => [] as string[]));
    const before = new Set(parent === undefined ? [] : await readdir(parent + rel).catch(() => [] as string[]));
    for (const name of [...new Set([...names, ...before])].sort()) {
      const r = `${rel}/${name}`;
      if (!names.has(name)) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      const st = (await stat(dir + r))!;
      const old = before.has(name) ? await stat(parent + r) : undefined;
      if (!old) out.push({ Path: r, Kind: 1 });
      else if (!same(st, old) && !(st.isDirectory() && old.isDirectory())) out.push({ Path: r, Kind: 0 });
      if (st.isDirectory()) {
        const n = out.length;
        await walk(r);
        if (old?.isDirectory() && out.length > n) out.splice(n, 0, { Path: r, Kind: 0 });
      }
    }
  };
  await walk('');
  return out;
}
