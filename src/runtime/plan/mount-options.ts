// OCI mount options → mount(2) flags, propagation flags and filesystem data.
import { MS } from './types.js';

export interface ParsedMountOptions {
  flags: number;
  /** Propagation changes, applied with separate mount(2) calls after the mount. */
  propagation: number[];
  data: string[];
  bind: boolean;
  recursive: boolean;
}

const SET: Record<string, number> = {
  ro: MS.RDONLY,
  nosuid: MS.NOSUID,
  nodev: MS.NODEV,
  noexec: MS.NOEXEC,
  sync: MS.SYNCHRONOUS,
  remount: MS.REMOUNT,
  mand: MS.MANDLOCK,
  dirsync: MS.DIRSYNC,
  nosymfollow: MS.NOSYMFOLLOW,
  noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME,
  relatime: MS.RELATIME,
  strictatime: MS.STRICTATIME,
};

const CLEAR: Record<string, number> = {
  rw: MS.RDONLY,
  suid: MS.NOSUID,
  dev: MS.NODEV,
  exec: MS.NOEXEC,
  async: MS.SYNCHRONOUS,
  nomand: MS.MANDLOCK,
  atime: MS.NOATIME,
  diratime: MS.NODIRATIME,
  norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME,
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options runc accepts but that need nothing from the kernel here. */
const IGNORED = new Set(['defaults', 'tmpcopyup', 'nocopyup', 'copyup', 'idmap', 'ridmap']);

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  const out: ParsedMountOptions = { flags: 0, propagation: [], data: [], bind: false, recursive: false };
  for (const opt of options) {
    if (opt === 'bind' || opt === 'rbind') {
      out.bind = true;
      out.recursive ||= opt === 'rbind';
    } else if (SET[opt] !== undefined) out.flags |= SET[opt];
    else if (CLEAR[opt] !== undefined) out.flags &= ~CLEAR[opt];
    else if (PROPAGATION[opt] !== undefined) out.propagation.push(PROPAGATION[opt]);
    else if (!IGNORED.has(opt)) out.data.push(opt);
  }
  return out;
}
