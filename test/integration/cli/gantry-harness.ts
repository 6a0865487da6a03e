// Runs bin/gantry against temporary roots with a local busybox image: made with
// `gantry import` when the image service is present, else (while the image
// layer is being written) as a rootfs directory for the engine's fallback adapter.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');
const GANTRY = join(REPO, 'bin', 'gantry');
let rootfsCache: string | undefined;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Gantry {
  env: NodeJS.ProcessEnv = { ...process.env };
  private constructor(
    readonly dir: string,
    private readonly sharedRunroot?: string,
  ) {}

  /** `o.runroot`: a run directory another store uses too (as two --root on one host share /run/gantry). */
  static async create(o: { runroot?: string } = {}): Promise<Gantry> {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-cli-'));
    const g = new Gantry(dir, o.runroot);
    await g.loadBusybox();
    return g;
  }

  get root() {
    return join(this.dir, 'root');
  }
  get runroot() {
    return this.sharedRunroot ?? join(this.dir, 'run');
  }

  private async loadBusybox(): Promise<void> {
    if (!rootfsCache) {
      rootfsCache = await mkdtemp(join(tmpdir(), 'gantry-busybox-'));
      execFileSync(join(REPO, 'scripts', 'busybox-rootfs.sh'), [join(rootfsCache, 'rootfs')], { stdio: 'ignore' });
      execFileSync('tar', ['-C', join(rootfsCache, 'rootfs'), '-cf', join(rootfsCache, 'rootfs.tar'), '.']);
    }
    if (process.env.GANTRY_ENGINE_FALLBACK !== '1' && existsSync(join(REPO, 'dist', 'src', 'cli', 'commands', 'import.js'))) {
      const r = await this.run(['import', '--change', 'CMD ["sh"]', join(rootfsCache, 'rootfs.tar'), 'busybox:latest']);
      if (r.code === 0) return;
    }
    this.env.GANTRY_ENGINE_FALLBACK = '1';
    const img = join(this.root, 'fallback-images', 'busybox');
    await mkdir(img, { recursive: true });
    await cp(join(rootfsCache, 'rootfs'), join(img, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    await writeFile(join(img, 'config.json'), JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [] } }));
  }

  run(args: string[], input?: string): Promise<Result> {
    return new Promise((res) => {
      const child = spawn(GANTRY, ['--root', this.root, '--runroot', this.runroot, ...args], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      // A command that never reads stdin may be gone before this write: EPIPE is no failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
      child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** Spawns without waiting (for crash and concurrency tests). */
  spawn(args: string[]) {
    return spawn(GANTRY, ['--root', this.root, '--runroot', this.runroot, ...args], { env: this.env, stdio: 'ignore' });
  }

  async cleanup(): Promise<void> {
    const ids = (await this.run(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await this.run(['rm', '-f', ...ids]);
    // Anything a failed test left mounted under our dirs.
    const mounts = execFileSync('cat', ['/proc/self/mounts']).toString().split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(this.dir));
    for (const m of mounts.reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    // A monitor's exit command may still be finishing a removal under our root.
    await rm(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}

export async function removeRootfsCache(): Promise<void> {
  if (rootfsCache) await rm(rootfsCache, { recursive: true, force: true });
}

let otherUsersCopy: string | undefined;

/**
 * bin/gantry as another user can run it. A checkout under a directory others
 * cannot enter (Debian's /root is 0700) is copied once (bin, the build, the
 * native helpers; timestamps kept: the front end runs the bundle only when it is
 * newer than the modules) into a world-readable temporary directory.
 */
export function gantryForOtherUsers(): string {
  const reachable = (dir: string): boolean => (statSync(dir).mode & 0o005) === 0o005 && (dir === '/' || reachable(resolve(dir, '..')));
  if (reachable(REPO)) return GANTRY;
  if (!otherUsersCopy) {
    otherUsersCopy = mkdtempSync(join(tmpdir(), 'gantry-copy-'));
    execFileSync('chmod', ['0755', otherUsersCopy]);
    for (const part of ['package.json', 'bin', 'dist/src', 'native/build']) cpSync(join(REPO, part), join(otherUsersCopy, part), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    process.on('exit', () => rmSync(otherUsersCopy!, { recursive: true, force: true }));
  }
  return join(otherUsersCopy, 'bin', 'gantry');
}
