// What Node's fs cannot do: mknod (devices, fifos, overlay whiteouts) and
// extended attributes. They are batched per layer into one `sh` run (coreutils
// mknod/mkfifo, setfattr from Debian's attr) so a layer costs at most one spawn.
import { spawn } from 'node:child_process';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class SpecialFileBatch {
  private readonly lines: string[] = [];

  get size(): number {
    return this.lines.length;
  }

  mknod(path: string, kind: 'c' | 'b' | 'p', mode: number, major = 0, minor = 0): void {
    const m = (mode & 0o7777).toString(8);
    this.lines.push(
      kind === 'p' ? `mkfifo -m ${m} -- ${quote(path)}` : `mknod -m ${m} -- ${quote(path)} ${kind} ${major} ${minor}`,
    );
  }

  chown(path: string, uid: number, gid: number): void {
    this.lines.push(`chown -h ${uid}:${gid} -- ${quote(path)}`);
  }

  /** chmod after chown: chown clears setuid/setgid. */
  chmod(path: string, mode: number): void {
    this.lines.push(`chmod ${(mode & 0o7777).toString(8)} -- ${quote(path)}`);
  }

  link(target: string, path: string): void {
    this.lines.push(`ln -- ${quote(target)} ${quote(path)}`);
  }

  setxattr(path: string, name: string, value: Buffer): void {
    this.lines.push(`setfattr -h -n ${quote(name)} -v ${value.length ? '0x' + value.toString('hex') : "''"} -- ${quote(path)}`);
  }

  /** Runs the batch; the script is read from stdin (no argument-length limit) and stops at the first failure. */
  async run(step: string): Promise<void> {
    if (this.lines.length === 0) return;
    const script = 'set -e\n' + this.lines.join('\n') + '\n';
    this.lines.length = 0;
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
