// Mounting with util-linux's mount(8): Node has no mount(2). One spawn per mount
// and at most one per unmount.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';

export interface Mount {
  type: string;
  source: string;
  options: string[];
}

function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || `exit status ${code}`}`)),
    );
  });
}

/** Mounts `m` on target; `cwd` lets overlay options use short relative layer paths (the kernel resolves them there). */
export function mountAt(m: Mount, target: string, cwd?: string): Promise<void> {
  const isBind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
  const args = isBind ? ['--bind', m.source, target] : ['-t', m.type, m.source, target];
  const opts = m.options.filter((o) => o !== 'bind' && o !== 'rbind');
  if (opts.length > 0) args.push('-o', opts.join(','));
  return run('mount', ['--no-mtab', ...args], cwd);
}

/** mountinfo's escaping of a path (space, tab, newline and backslash as octal). */
const mountinfoPath = (p: string) => p.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));

/** Whether something is mounted on `target` in this mount namespace (symlinks in its path resolved). */
export async function isMounted(target: string): Promise<boolean> {
  let real: string;
  try {
    // Synchronous: this runs on every stop and remove, mostly to find nothing mounted.
    real = realpathSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const wanted = mountinfoPath(real);
  // Fields: id parent major:minor root mount-point ...
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === wanted);
}

/**
 * Unmounts target with one umount(8) spawn, or none when nothing is mounted there
 * (a stopped container's rootfs): a stop or remove costs at most one spawn.
 */
export async function unmount(target: string, lazy = false): Promise<void> {
  if (!(await isMounted(target))) return;
  await run('umount', lazy ? ['-l', target] : [target]);
}
