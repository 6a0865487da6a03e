// The staging dir where snapshots are built (<root>/tmp). On ext4 it is marked a
// "top of directory hierarchy" (chattr +T, FS_TOPDIR_FL), so the Orlov allocator
// places each new snapshot in a lightly used block group instead of next to its
// siblings. Without a journal, ext4 skips inodes freed in the last seconds one at
// a time while allocating (recently_deleted()), so a group churned by removed
// containers, snapshots or test trees costs ~0.75 ms of kernel CPU per file
// created; a fresh group ~20 µs (measured in docs/images.md). A hint only: other
// filesystems refuse the flag and nothing changes.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { processStartTime } from '../../sys/process-alive.js';

function markTopDir(dir: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('chattr', ['+T', dir], { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

/** Creates <root>/tmp if missing (marking it on creation only: one spawn per store); returns its path. */
export async function ensureStagingDir(root: string): Promise<string> {
  const dir = join(root, 'tmp');
  await mkdir(root, { recursive: true });
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return dir;
    throw err;
  }
  await markTopDir(dir);
  return dir;
}

// Staging entries carry their writer's pid and start time, so GC removes one
// the moment its writer is gone (killed, or a zombie) instead of after an age.
let owner: string | undefined;
const OWNED = /^[a-z-]+?-(\d+)\.(\d+)-/;

/** A mkdtemp prefix for a staging entry of kind `kind` owned by this process. */
export function stagingPrefix(kind: string): string {
  owner ??= `${process.pid}.${processStartTime(process.pid) ?? '0'}`;
  return `${kind}-${owner}-`;
}

/**
 * Whether the process that made staging entry `name` still runs: true or false for
 * names from stagingPrefix (a later process reusing the pid does not count),
 * undefined for names that do not say (made by an older version).
 */
export function stagingWriterAlive(name: string): boolean | undefined {
  const m = OWNED.exec(name);
  if (!m) return undefined;
  return processStartTime(Number(m[1])) === m[2];
}
