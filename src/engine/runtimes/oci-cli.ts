// The Runtime interface over an external OCI runtime's command line (runc, crun,
// or any binary with runc's verbs and flags), state under its own --root.
//
// Monitoring: the engine's monitor stays every container's reaper, with no change
// to its C code. It already is a child subreaper that runs the helper argv
// appended to it and, once that exits 0, follows the pid file and reaps the pid
// in it. So create runs `<bin> create --pid-file P` as that helper (choice (b),
// what containerd-shim and conmon do): the runtime sets the init up, writes P and
// exits; the init, orphaned, is reparented to the monitor, which reaps it and
// records its exit as for gantry's own containers. With no console, runc and
// crun hand their own stdio to the init, so the monitor's pipes are the
// container's stdio; with one, the runtime sends the pty master to the console
// socket the monitor listens on. Running `<bin> run` in the foreground instead
// would need monitor changes (its pid file names a process runc reaps) and would
// lose the create/start split the engine's attach-before-start relies on.
//
// A /bin/sh shim between the monitor and `<bin> create` reports the create's exit
// status on the monitor's sync pipe (fd 4, where the monitor also reports a
// failed rootfs mount): the runtime's init would hold an inherited fd open until
// start, so EOF alone cannot say when create is done. The shim closes fd 4 for
// the runtime. Error texts come from the runtime's --log (json lines): on create
// and exec, its stderr is the container's.
//
// exec runs `<bin> exec` in the foreground with the caller's stdio (its exit
// status is the process's); with a console socket runc insists on detaching, so
// that exec runs under a gantry-monitor of its own, the reaper that records its exit.
import { spawn, execFile, type StdioOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GantryError, failedPrecondition, internal, invalidArgument, notFound, permissionDenied } from '../../errdefs/index.js';
import type { LinuxResources, Spec } from '../../oci/runtime-spec.js';
import type { CgroupStatsSnapshot, ContainerState, CreateOptions, ExecOptions, ExecResult, Runtime } from '../../runtime/api.js';
import { openCgroup, resolveCgroupPath } from '../../runtime/cgroups/index.js';
import { oomCountFile } from '../../runtime/cgroups/oom-file.js';
import { hostMountinfo } from '../../runtime/cgroups/mountinfo.js';
import { nativeBinary } from '../../sys/install-paths.js';

/** Run by the monitor: `<bin> create ...` with fd 4 closed, then "exit N" on fd 4. */
const CREATE_SHIM = '"$@" 4>&-; s=$?; echo "exit $s" >&4; exit $s';

export class OciCliRuntime implements Runtime {
  constructor(
    /** The runtime's name in the engine (HostConfig.Runtime). */
    readonly name: string,
    readonly binary: string,
    /** Its --root: the state directory of every container it runs for this engine. */
    readonly root: string,
  ) {}

  private argv(...args: string[]): string[] {
    return ['--root', this.root, ...args];
  }

  /** Runs a verb that is done when the runtime exits; its stdout, or the error its stderr names. */
  private call(args: string[]): Promise<string> {
    return new Promise((res, rej) => {
      const child = execFile(this.binary, this.argv(...args), { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err) rej(this.failure(args[0]!, stderr || err.message));
        else res(stdout);
      });
      // Nothing to read: closed at once (a write to an exited runtime's stdin would be an EPIPE).
      child.stdin?.on('error', () => undefined);
      child.stdin?.end();
    });
  }

  /** A runtime's error text (runc's logrus line, crun's plain one) as a GantryError keeping runc's words. */
  private failure(verb: string, text: string): GantryError {
    const lines = text.trim().split('\n').filter(Boolean);
    const last = lines[lines.length - 1] ?? '';
    // runc's own words, which name what failed ("container does not exist", "runc create failed: ...");
    // "exec failed: " is what the engine's exec error puts in front already.
    const msg = (/level=error msg="(.*)"$/.exec(last)?.[1]?.replace(/\\"/g, '"') ?? last).replace(/^exec failed: /, '');
    const full = msg || `${this.name} ${verb} failed`;
    if (/executable file not found/i.test(msg)) return invalidArgument(full);
    if (/does not exist|not found|No such file or directory/i.test(msg)) return notFound(full);
    if (/not running|is paused|not paused|is stopped|has stopped|already|cannot/i.test(msg)) return failedPrecondition(full);
    if (/permission denied|operation not permitted/i.test(msg)) return permissionDenied(full);
    return internal(full);
  }

  /** The last error a runtime wrote to its --log (json lines). */
  private loggedError(logFile: string): string {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
    let msg = '';
    for (const line of text.split('\n')) {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if (entry.level === 'error' && entry.msg) msg = entry.msg;
      } catch {
        // the last line of a runtime killed while writing it
      }
    }
    return msg;
  }

  /** A private scratch directory (process.json, the --log file), removed after the verb. */
  private async withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), `gantry-${this.name}-`));
    try {
      return await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async create(opts: CreateOptions): Promise<ContainerState> {
    writeSpec(opts);
    await this.withScratch(async (scratch) => {
      const log = join(scratch, 'log.json');
      const args = this.argv('--log', log, '--log-format', 'json', 'create', '--bundle', resolve(opts.bundle), ...launchFlags(opts));
      if (opts.noPivot) args.push('--no-pivot');
      if (opts.noNewKeyring) args.push('--no-new-keyring');
      args.push(opts.id);
      const code = opts.wrapper?.length ? await this.createUnder(opts.wrapper, args, opts.stdio) : await this.spawnWaiting(args, opts.stdio);
      if (code !== 0) throw this.failure('create', this.loggedError(log) || `exit status ${code}`);
    });
    return this.state(opts.id);
  }

  /**
   * `<bin> create` as the wrapper's (the monitor's) helper, through the shim;
   * resolves with its exit status once it is done (the monitor runs on).
   */
  private createUnder(wrapper: string[], args: string[], stdio?: [number, number, number]): Promise<number> {
    const [cmd, ...rest] = [...wrapper, '/bin/sh', '-c', CREATE_SHIM, `${this.name}-create`, this.binary, ...args];
    const child = spawn(cmd!, rest, { stdio: [...(stdio ?? ['ignore', 'ignore', 'ignore']), 'ignore', 'pipe'] as StdioOptions, detached: true });
    child.unref();
    const sync = child.stdio[4] as NodeJS.ReadableStream;
    return new Promise((res, rej) => {
      let text = '';
      child.on('error', (err) => rej(internal(`start the container monitor: ${err.message}`, err)));
      sync.setEncoding('utf8');
      sync.on('data', (d: string) => (text += d));
      sync.on('error', () => undefined);
      sync.on('end', () => {
        const exit = /^exit (\d+)$/m.exec(text);
        if (exit) return res(Number(exit[1]));
        // The monitor's own report of a failed rootfs mount: "error -1 <errno> <step>\t<detail>".
        const mount = /^error -?\d+ (\d+) ([^\t\n]*)\t?(.*)$/m.exec(text);
        if (mount) return rej(internal(`${`${mount[2]} ${mount[3]}`.trim()}: ${errnoName(Number(mount[1]))}`));
        rej(internal(`the container monitor exited before ${this.name} create ran`));
      });
    });
  }

  /** Spawns the runtime with the caller's stdio and waits for it: its exit status (128+signal if killed). */
  private spawnWaiting(args: string[], stdio?: [number, number, number], cmd = this.binary): Promise<number> {
    const child = spawn(cmd, args, { stdio: stdio ?? 'inherit' });
    return new Promise((res, rej) => {
      child.on('error', (err) => rej(internal(`run ${cmd}: ${err.message}`, err)));
      child.on('exit', (code, signal) => res(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    });
  }

  async start(id: string): Promise<void> {
    await this.call(['start', id]);
  }

  async run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
    if (opts.wrapper?.length) {
      // The wrapper reaps the container: only a detached run makes sense under it.
      if (!opts.detach) throw invalidArgument(`${this.name}: a run under a monitor must be detached`);
      await this.create(opts);
      await this.start(opts.id);
      return 0;
    }
    writeSpec(opts);
    const args = this.argv('run', '--bundle', resolve(opts.bundle), ...launchFlags(opts), ...(opts.detach ? ['--detach'] : []), ...(opts.keep ? ['--keep'] : []), opts.id);
    return this.spawnWaiting(args, opts.stdio);
  }

  async state(id: string): Promise<ContainerState> {
    return JSON.parse(await this.call(['state', id])) as ContainerState;
  }

  async list(): Promise<ContainerState[]> {
    return (JSON.parse((await this.call(['list', '--format', 'json'])).trim() || 'null') as ContainerState[] | null) ?? [];
  }

  async kill(id: string, signal: number, opts: { all?: boolean } = {}): Promise<void> {
    await this.call(['kill', ...(opts.all ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call(['delete', ...(opts.force ? ['--force'] : []), id]);
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecResult> {
    return this.withScratch(async (scratch) => {
      const processFile = join(scratch, 'process.json');
      const pidFile = opts.pidFile ? resolve(opts.pidFile) : join(scratch, 'pid');
      const log = join(scratch, 'log.json');
      writeFileSync(processFile, JSON.stringify(opts.process), { mode: 0o600 });
      // runc takes a console socket only when it detaches: the exec then runs under a monitor of its own, the reaper that learns its exit.
      const underMonitor = Boolean(opts.consoleSocket && opts.process.terminal && !opts.detach);
      const args = this.argv('--log', log, '--log-format', 'json', 'exec', '--process', processFile, ...launchFlags({ ...opts, pidFile }));
      if (opts.detach || underMonitor) args.push('--detach');
      if (opts.ignorePaused) args.push('--ignore-paused');
      args.push(id);
      const code = underMonitor ? await this.execUnderMonitor(args, scratch, pidFile) : await this.spawnWaiting(args, opts.stdio);
      // The pid file is written once the process runs: without it, the exec never started.
      const pid = readPid(pidFile);
      if (pid === undefined) throw this.failure('exec', this.loggedError(log) || `exit status ${code}`);
      return opts.detach ? { pid } : { pid, exitCode: code };
    });
  }

  /**
   * `<bin> exec --detach` as gantry-monitor's helper, in the scratch directory: the
   * monitor reaps the process once the runtime has left it and records its exit.
   */
  private async execUnderMonitor(args: string[], scratch: string, pidFile: string): Promise<number> {
    const monitor = ['--dir', scratch, '--pidfile', pidFile, '--', this.binary, ...args];
    const code = await this.spawnWaiting(monitor, undefined, nativeBinary('gantry-monitor'));
    try {
      return (JSON.parse(readFileSync(join(scratch, 'exit.json'), 'utf8')) as { exitCode: number }).exitCode;
    } catch {
      return code;
    }
  }

  async pause(id: string): Promise<void> {
    await this.call(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.call(['resume', id]);
  }

  async pids(id: string): Promise<number[]> {
    return (JSON.parse((await this.call(['ps', '--format', 'json', id])).trim() || '[]') as number[] | null) ?? [];
  }

  async update(id: string, resources: LinuxResources): Promise<void> {
    await this.withScratch(async (scratch) => {
      const file = join(scratch, 'resources.json');
      writeFileSync(file, JSON.stringify(resources));
      await this.call(['update', '--resources', file, id]);
    });
  }

  async stats(id: string): Promise<CgroupStatsSnapshot> {
    try {
      const event = JSON.parse(await this.call(['events', '--stats', id])) as { data: CgroupStatsSnapshot };
      return event.data;
    } catch (err) {
      // crun has no events verb: the container's cgroup is read directly.
      if (err instanceof GantryError && err.code === 'not-found') throw err;
      return (await this.cgroup(id)).stats();
    }
  }

  async oomKillCount(id: string): Promise<number> {
    const cg = await this.cgroup(id).catch(() => undefined);
    return cg && (await cg.exists()) ? cg.oomKillCount() : 0;
  }

  oomCountFile(id: string, cgroupsPath: string | undefined): string | undefined {
    return oomCountFile(resolveCgroupPath({ id, cgroupsPath }), hostMountinfo());
  }

  /** The container's cgroup, named by linux.cgroupsPath in its bundle's config (cgroupfs, as both runtimes use by default). */
  private async cgroup(id: string) {
    const { bundle } = await this.state(id);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
    return openCgroup({ id, ...(spec.linux?.cgroupsPath ? { cgroupsPath: spec.linux.cgroupsPath } : {}) });
  }
}

/** runc's --pid-file, --console-socket and --preserve-fds. */
function launchFlags(opts: { pidFile?: string; consoleSocket?: string; preserveFds?: number }): string[] {
  const flags: string[] = [];
  if (opts.pidFile) flags.push('--pid-file', resolve(opts.pidFile));
  if (opts.consoleSocket) flags.push('--console-socket', resolve(opts.consoleSocket));
  if (opts.preserveFds) flags.push('--preserve-fds', String(opts.preserveFds));
  return flags;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const signalNumber = (name: NodeJS.Signals): number => osConstants.signals[name] ?? 0;

const errnoName = (n: number): string => Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;

/** runc reads only <bundle>/config.json: a spec given instead is written there. */
function writeSpec(opts: { bundle: string; spec?: Spec }): void {
  if (opts.spec) writeFileSync(join(opts.bundle, 'config.json'), JSON.stringify(opts.spec), { mode: 0o600 });
}
