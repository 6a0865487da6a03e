// Gantry's top directories (data root, run root, runtime root) are the owner's
// alone, like docker's /var/lib/docker and runc's /run/runc: below them are
// container rootfs views (setuid binaries, device nodes), records with secrets in
// their Env, and image blobs. A 0700 top is the one barrier every path below
// shares, so it is checked at each start rather than trusted from creation.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { permissionDenied } from '../errdefs/index.js';

export const PRIVATE_DIR_MODE = 0o700;

const denied = (err: unknown) => ['EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '');

/** One line for a caller who may not open the store (e.g. a non-root user on root's store). */
export function storeAccessDenied(path: string, cause?: unknown) {
  const owner = statSync(path, { throwIfNoEntry: false });
  const whose = owner ? ` (owned by uid ${owner.uid}, mode ${(owner.mode & 0o7777).toString(8).padStart(4, '0')})` : '';
  return permissionDenied(`permission denied while trying to open the Gantry store at ${path}${whose}: run gantry as its owner (root)`, cause);
}

/**
 * Makes `path` a directory only its owner can enter: created 0700 (parents with
 * the usual modes), and tightened when an older version left it group- or
 * world-accessible (unless it is a shared directory such as / or /tmp). Throws
 * storeAccessDenied when the caller may not use it.
 */
export function ensurePrivateDir(path: string): void {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
    if (!st) {
      mkdirSync(dirname(path), { recursive: true });
      try {
        mkdirSync(path, { mode: PRIVATE_DIR_MODE });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      st = statSync(path);
    }
  } catch (err) {
    if (denied(err)) throw storeAccessDenied(path, err);
    throw err;
  }
  const uid = process.geteuid?.() ?? 0;
  // Only the owner can tighten; a caller who is not the owner (and not root) cannot use it either.
  if (st.uid !== uid && uid !== 0) throw storeAccessDenied(path);
  // A shared directory (/, or sticky like /tmp) given as a root is not Gantry's to close;
  // what Gantry makes below it is private anyway.
  if ((st.mode & 0o077) === 0 || (st.mode & 0o1000) !== 0 || resolve(path) === '/') return;
  try {
    chmodSync(path, st.mode & 0o7700);
  } catch (err) {
    if (denied(err)) throw storeAccessDenied(path, err);
    throw err;
  }
}
