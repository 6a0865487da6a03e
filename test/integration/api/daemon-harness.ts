// Gantry's Docker Engine API daemon for real-client tests: `gantry system
// service` on a unix socket over temporary roots that hold a busybox image,
// the environment a client needs to reach it (and nothing of the host's
// docker setup), a test registry with busybox in it on demand, and a cleanup
// that removes every container, network, mount and directory, also after a
// failed test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { buildImage } from '../../fixtures/image-builder.js';
import { skopeoCopy, startRegistry, type TestRegistry } from '../../fixtures/registry.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');
const GANTRY = join(REPO, 'bin', 'gantry');
/** Where scripts/install-deps.sh puts the client (and dockerd) from Debian's docker.io. */
export const PRIVATE_DOCKER_DIR = '/usr/local/lib/gantry-test/docker';
/** Debian's python3 with python3-docker (a pyenv python on PATH lacks the module). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A program on PATH, by name. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The docker CLI: the one on PATH (a dev machine's docker 28), else the one install-deps extracted (Debian's 20.10). */
export function findDockerCli(): string | undefined {
  return onPath('docker') ?? (executable(join(PRIVATE_DOCKER_DIR, 'docker')) ? join(PRIVATE_DOCKER_DIR, 'docker') : undefined);
}

/** Runs a client program; a hung client is killed after `timeoutMs` (its result then says so in stderr). */
export function runClient(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number; cwd?: string } = {}): Promise<Result> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${o.timeoutMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    child.on('error', (err) => (stderr += String(err)));
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

/** How a daemon's process came to be and how its leftovers are swept once it has stopped. */
interface Backend {
  child: ChildProcess;
  socket: string;
  /** Whether busybox:latest must still be loaded through the API. */
  needsBusybox: boolean;
  sweep(): Promise<void>;
}

export class Daemon {
  private log = '';
  private registryStarted: Promise<TestRegistry> | undefined;
  private constructor(
    private readonly backend: Backend,
    /** A DOCKER_CONFIG of the test's own (no credentials or contexts from the host). */
    readonly dockerConfig: string,
  ) {
    backend.child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    backend.child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  /**
   * Starts Gantry's daemon over new temporary roots that hold busybox:latest.
   * With GANTRY_API_TEST_PEER=dockerd the same tests run against Debian's
   * dockerd instead (install-deps extracts it; never the default), to check
   * that a test asserts what Docker does (except what needs the default
   * bridge or the embedded DNS, which that dockerd has not: no firewall rules).
   */
  static async start(): Promise<Daemon> {
    const backend = process.env.GANTRY_API_TEST_PEER === 'dockerd' ? await startDockerd() : await startGantry();
    const d = new Daemon(backend, await mkdtemp(join(tmpdir(), 'gantry-docker-config-')));
    try {
      await d.waitReady();
      if (backend.needsBusybox) await d.loadBusybox();
    } catch (err) {
      await d.stop();
      throw err;
    }
    return d;
  }

  get socket(): string {
    return this.backend.socket;
  }
  get host(): string {
    return `unix://${this.socket}`;
  }
  /** The daemon's output so far (for assertion messages). */
  logs(): string {
    return this.log;
  }

  /** The environment a client runs with: this daemon and nothing of the host's docker setup. */
  clientEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION', 'GANTRY_HOST', 'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME']) delete env[k];
    return { ...env, DOCKER_HOST: this.host, DOCKER_CONFIG: this.dockerConfig, TESTCONTAINERS_RYUK_DISABLED: 'true', ...extra };
  }

  private async waitReady(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (this.backend.child.exitCode !== null || this.backend.child.signalCode !== null) throw new Error(`the daemon exited (${this.backend.child.exitCode ?? this.backend.child.signalCode}): ${this.log}`);
      if (existsSync(this.socket)) {
        const ok = await this.api('GET', '/_ping').then((r) => r.status === 200 && r.body === 'OK', () => false);
        if (ok) return;
      }
      await sleep(50);
    }
    throw new Error(`the daemon did not answer /_ping: ${this.log}`);
  }

  /** One HTTP request on the socket (a JSON body when `body` is an object). */
  api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return new Promise((res, rej) => {
      const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = http.request(
        { socketPath: this.socket, method, path, headers: { ...(data && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...headers } },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            res({ status: r.statusCode ?? 0, headers: r.headers, body: text, json: () => JSON.parse(text) });
          });
          r.on('error', rej);
        },
      );
      req.on('error', rej);
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.end(data);
    });
  }

  private async loadBusybox(): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-busybox-archive-'));
    try {
      await buildImage({ format: 'docker-archive', out: join(dir, 'busybox.tar'), name: 'busybox:latest', layers: [{ busybox: true }] });
      const r = await this.api('POST', '/images/load?quiet=1', await readFile(join(dir, 'busybox.tar')), { 'content-type': 'application/x-tar' });
      if (r.status !== 200) throw new Error(`loading busybox: ${r.status} ${r.body}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A registry on 127.0.0.1 with busybox at <host>/busybox:latest (built from
   * the busybox rootfs, copied in with skopeo); stopped by stop().
   */
  registry(): Promise<TestRegistry> {
    this.registryStarted ??= (async () => {
      const reg = await startRegistry();
      const layout = await mkdtemp(join(tmpdir(), 'gantry-busybox-layout-'));
      try {
        await buildImage({ format: 'oci-dir', out: layout, layers: [{ busybox: true }] });
        await skopeoCopy(`oci:${layout}`, `docker://${reg.host}/busybox:latest`);
      } catch (err) {
        await reg.stop();
        throw err;
      } finally {
        await rm(layout, { recursive: true, force: true });
      }
      return reg;
    })();
    return this.registryStarted;
  }

  /**
   * Removes what the tests made through the daemon (containers first, while it
   * still serves them; then unused networks: their bridges and firewall rules
   * are the host's), stops it, sweeps its roots, and stops the registry.
   */
  async stop(): Promise<void> {
    const { child } = this.backend;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        const list = await this.api('GET', '/containers/json?all=1');
        if (list.status === 200) for (const c of list.json<{ Id: string }[]>()) await this.api('DELETE', `/containers/${c.Id}?force=1&v=1`);
        await this.api('POST', '/networks/prune');
      } catch {
        // The sweep below removes them.
      }
      child.kill('SIGTERM');
      const exited = await Promise.race([new Promise((r) => child.once('exit', () => r(true))), sleep(15_000).then(() => false)]);
      if (!exited) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    }
    await this.backend.sweep();
    await rm(this.dockerConfig, { recursive: true, force: true });
    if (this.registryStarted) await (await this.registryStarted.catch(() => undefined))?.stop();
  }
}

async function startGantry(): Promise<Backend> {
  // The roots' setup (busybox import) and the sweep run daemonless: not against
  // a daemon the test's environment names. Gantry.create copies process.env.
  const hostVars = ['DOCKER_HOST', 'GANTRY_HOST', 'DOCKER_CONTEXT'];
  const saved = hostVars.map((k) => [k, process.env[k]] as const);
  for (const k of hostVars) delete process.env[k];
  let g: Gantry;
  try {
    g = await Gantry.create();
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
  const socket = join(g.runroot, 'd.sock');
  const child = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'system', 'service', '--host', `unix://${socket}`], { env: g.env, stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    child,
    socket,
    needsBusybox: false,
    async sweep() {
      // Leftover containers and user networks, mounts, the roots.
      await g.run(['network', 'prune', '-f']);
      await g.cleanup();
      await removeRootfsCache();
    },
  };
}

/** Debian's dockerd on private dirs, touching no firewall rule and making no default bridge. */
async function startDockerd(): Promise<Backend> {
  // Short: containerd's sockets live under the exec root.
  const dir = await mkdtemp('/tmp/gd-');
  await writeFile(join(dir, 'daemon.json'), '{}');
  const socket = join(dir, 'd.sock');
  const child = spawn(
    join(PRIVATE_DOCKER_DIR, 'dockerd'),
    ['--config-file', join(dir, 'daemon.json'), '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'x'), '--pidfile', join(dir, 'pid'), '--host', `unix://${socket}`,
      '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none'],
    { env: { ...process.env, PATH: `${PRIVATE_DOCKER_DIR}${delimiter}${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return {
    child,
    socket,
    needsBusybox: true,
    async sweep() {
      const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
      await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

/** Whether a Python module imports in Debian's python3. */
export function pythonHas(module: string): boolean {
  return executable(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}
