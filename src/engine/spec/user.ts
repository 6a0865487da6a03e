// Resolves docker's -u forms (name, uid, name:group, uid:gid) and --group-add
// (HostConfig.GroupAdd: group names or gids) against the image's /etc/passwd and
// /etc/group, read inside the rootfs (or its snapshot's layers) without
// following symlinks out of it.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import { readFileInLayers, UNDECIDED } from '../../images/snapshots/layered-read.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' }));
}

export function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const isId = (s: string) => /^\d+$/.test(s);
/** The largest id runc accepts. */
const MAX_ID = 2 ** 31 - 1;

/** A --group-add entry: a group of the file by name or gid, else a number as it is. */
function groupAddGid(entry: string, groups: GroupEntry[]): number {
  const g = groups.find((e) => e.name === entry || String(e.gid) === entry);
  if (g) return g.gid;
  if (isId(entry) && Number(entry) <= MAX_ID) return Number(entry);
  throw invalidArgument(`unable to find group ${entry}: no matching entries in group file`);
}

/** Pure resolution given the two files' contents (undefined when absent). */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined, groupAdd: readonly string[] = []): ResolvedUser {
  const users = parsePasswd(passwd ?? '');
  const groups = parseGroup(group ?? '');
  const [userPart = '', groupPart] = spec.split(':', 2);
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  let home = '/';
  if (userPart === '') {
    const root = users.find((u) => u.uid === 0);
    name = root?.name;
  } else if (isId(userPart)) {
    uid = Number(userPart);
    const u = users.find((e) => e.uid === uid);
    if (u) ({ gid, name, home } = u);
  } else {
    const u = users.find((e) => e.name === userPart);
    if (!u) throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
    ({ uid, gid, name, home } = u);
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (isId(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((e) => e.name === groupPart);
      if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  // The user's own groups only in the implicit form (no :group), as docker.
  const member = groupPart === undefined && name !== undefined ? groups.filter((g) => g.members.includes(name!) && g.gid !== gid).map((g) => g.gid) : [];
  const additionalGids = [...new Set([...member, ...groupAdd.map((e) => groupAddGid(e, groups))])];
  return { uid, gid, additionalGids, home };
}

/** Reads rootfs/etc/<file> only if no component on the way is a symlink. */
async function readInRoot(rootfs: string, rel: string): Promise<string | undefined> {
  let p = rootfs;
  for (const part of rel.split('/').filter(Boolean)) {
    p = join(p, part);
    const st = await lstat(p).catch(() => undefined);
    if (!st || st.isSymbolicLink()) return undefined;
  }
  return readFile(p, 'utf8').catch(() => undefined);
}

export async function resolveUserInRootfs(spec: string, rootfs: string, groupAdd: readonly string[] = []): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([readInRoot(rootfs, 'etc/passwd'), readInRoot(rootfs, 'etc/group')]);
  return resolveUser(spec, passwd, group, groupAdd);
}

/**
 * Resolves against the files as the union of a snapshot's layers (top first)
 * shows them, without mounting; undefined when only a mounted rootfs can tell.
 */
export function resolveUserInLayers(spec: string, layers: string[], groupAdd: readonly string[] = []): ResolvedUser | undefined {
  let passwd, group;
  try {
    passwd = readFileInLayers(layers, 'etc/passwd');
    group = readFileInLayers(layers, 'etc/group');
  } catch {
    return undefined;
  }
  if (passwd === UNDECIDED || group === UNDECIDED) return undefined;
  return resolveUser(spec, passwd, group, groupAdd);
}
