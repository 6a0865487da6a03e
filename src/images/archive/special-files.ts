// What Node's fs cannot do: mknod (devices, fifos, overlay whiteouts) and
// extended attributes. They are batched per layer into one `sh` run (coreutils
// mknod/mkfifo/ln, setfattr from Debian's attr) so a layer costs at most one spawn.
import { spawn } from 'node:child_process';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix + '/');

interface Op {
  /** Paths the command touches: dropped when the layer later removes one of them or a parent. */
  paths: string[];
  line: string;
}

export class SpecialFileBatch {
  private ops: Op[] = [];

  mknod(path: string, kind: 'c' | 'b' | 'p', mode: number, major = 0, minor = 0): void {
    const m = (mode & 0o7777).toString(8);
    const line = kind === 'p' ? `mkfifo -m ${m} -- ${quote(path)}` : `mknod -m ${m} -- ${quote(path)} ${kind} ${major} ${minor}`;
    this.ops.push({ paths: [path], line });
  }

  chown(path: string, uid: number, gid: number): void {
    this.ops.push({ paths: [path], line: `chown -h ${uid}:${gid} -- ${quote(path)}` });
  }

  /** chmod after chown: chown clears setuid/setgid. */
  chmod(path: string, mode: number): void {
    this.ops.push({ paths: [path], line: `chmod ${(mode & 0o7777).toString(8)} -- ${quote(path)}` });
  }

  link(target: string, path: string): void {
    this.ops.push({ paths: [target, path], line: `ln -P -- ${quote(target)} ${quote(path)}` });
  }

  setxattr(path: string, name: string, value: Buffer): void {
    const v = value.length ? '0x' + value.toString('hex') : "''";
    this.ops.push({ paths: [path], line: `setfattr -h -n ${quote(name)} -v ${v} -- ${quote(path)}` });
  }

  /**
   * Forgets queued work at or below `prefix`, which the layer is removing: the
   * path may be replaced by a symlink before the batch runs, and a queued command
   * must never run through it.
   */
  dropUnder(prefix: string): void {
    this.ops = this.ops.filter((op) => !op.paths.some((p) => under(p, prefix)));
  }

  /** Runs the batch; the script is read from stdin (no argument-length limit) and stops at the first failure. */
  async run(step: string): Promise<void> {
    if (this.ops.length === 0) return;
    const script = 'set -e\n' + this.ops.map((op) => op.line).join('\n') + '\n';
    this.ops = [];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => reject(new Error(`${step}: ${err.message}`)));
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${step}: ${stderr.trim() || `exit status ${code}`}`)),
      );
      child.stdin.end(script);
    });
  }
}
