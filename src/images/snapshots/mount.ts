// Mounting with util-linux's mount(8): Node has no mount(2). One spawn per mount.
import { spawn } from 'node:child_process';

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

export const unmount = (target: string, lazy = false) => run('umount', lazy ? ['-l', target] : [target]);
