// Network namespaces as bind-mounted files (like `ip netns`, but under Gantry's
// runroot). Node cannot unshare(2) itself, so util-linux `unshare --net=FILE`
// creates and pins the namespace, and brings loopback up inside it in the same exec.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { wrap } from '../errdefs/index.js';
import { runWithInput } from './spawn.js';

const run = promisify(execFile);

/** Creates the namespace with loopback up, then runs `ipBatch` (iproute2 batch lines) inside it, all in one exec. */
export async function createNetns(path: string, ipBatch: string[] = []): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w', 0o444);
  await fh.close();
  try {
    await runWithInput('unshare', [`--net=${path}`, 'ip', '-batch', '-'], ['link set lo up', ...ipBatch].join('\n') + '\n');
  } catch (err) {
    await removeNetns(path).catch(() => undefined);
    throw wrap(`create network namespace ${path}`, err);
  }
}

/** Runs iproute2 batch lines inside an existing namespace. */
export async function ipBatchInNetns(path: string, ipBatch: string[]): Promise<void> {
  await runWithInput('nsenter', [`--net=${path}`, 'ip', '-batch', '-'], ipBatch.join('\n') + '\n').catch((err) => {
    throw wrap(`configure network namespace ${path}`, err);
  });
}

async function isMountPoint(path: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[4] === path);
}

/** Unpins and deletes the namespace file; idempotent. */
export async function removeNetns(path: string): Promise<void> {
  if (await isMountPoint(path)) {
    try {
      await run('umount', ['--lazy', path]);
    } catch (err) {
      throw wrap(`unmount network namespace ${path}`, (err as { stderr?: string }).stderr?.trim() || err);
    }
  }
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrap(`remove network namespace ${path}`, err);
  }
}
