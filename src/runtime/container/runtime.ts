// The runtime library (runtime/api.ts): container lifecycle over state.json, the
// cgroup manager and the native helper, with runc's error texts.
import { closeSync, existsSync, openSync, readFileSync, readSync, constants as fsConstants, unlinkSync } from 'node:fs';
import { resolve, join } from 'node:path';
import type { LinuxResources, Spec, State } from '../../oci/runtime-spec.js';
import { OCI_VERSION } from '../../oci/runtime-spec.js';
import { alreadyExists, failedPrecondition, internal, invalidArgument, isNotFound, notFound, wrap } from '../../errdefs/index.js';
import type { CgroupStatsSnapshot, ContainerState, CreateOptions, ExecOptions, ExecResult, Runtime, RuntimeOptions } from '../api.js';
import { openCgroup, resolveCgroupPath } from '../cgroups/index.js';
import { oomCountFile } from '../cgroups/oom-file.js';
import { hostMountinfo } from '../cgroups/mountinfo.js';
import { primeCgroupAttach } from '../cgroups/attach-primer.js';
import { cgroupMountFacts } from '../cgroups/mount-facts.js';
import { processProcsFiles } from '../cgroups/process-cgroups.js';
import type { CgroupManager } from '../cgroups/index.js';
import type { HelperRun } from './helper.js';
import { runHooks, runHooksWarning } from './hooks.js';
import { lockContainer } from './lock.js';
import { baseStatus, initAlive, listIds, StateDir, validateId } from './state.js';
import { processStartTime } from '../../sys/process-alive.js';
import type { StoredState } from './state.js';

const SIGKILL = 9;

// Loaded by create and exec only: state, start, kill and delete read the validated config from state.json.
const validation = () => import('../../oci/runtime-spec-validate.js');
const planning = () => import('../plan/build.js');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether AppArmor (as runc decides it) and SELinux (a mounted selinuxfs) are enabled. */
const HOST_LSM = {
  apparmor: existsSync('/sys/kernel/security/apparmor') && readFirstByte('/sys/module/apparmor/parameters/enabled') === 'Y',
  selinux: existsSync('/sys/fs/selinux/enforce'),
};

function readFirstByte(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')[0];
  } catch {
    return undefined;
  }
}

// Wall clock with nanoseconds: Date has milliseconds, hrtime the monotonic nanoseconds since then.
const WALL_NS_AT_LOAD = BigInt(Date.now()) * 1_000_000n;
const HRTIME_AT_LOAD = process.hrtime.bigint();

function rfc3339Nano(): string {
  const ns = WALL_NS_AT_LOAD + (process.hrtime.bigint() - HRTIME_AT_LOAD);
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

/** Waits until the process is gone or a zombie (killed inits may be reaped by anyone). */
async function waitGone(pid: number, startTime?: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const live = processStartTime(pid);
    if (live === undefined || (startTime !== undefined && live !== startTime)) return;
    await sleep(i < 50 ? 2 : 10);
  }
}

/** The init is pid 1 of a namespace created for the container. */
const ownsPidNamespace = (spec: Spec) => spec.linux?.namespaces?.some((ns) => ns.type === 'pid' && !ns.path) ?? false;

export class GantryRuntime implements Runtime {
  constructor(private readonly opts: RuntimeOptions) {}

  private warn = (msg: string) => this.opts.log?.('warning', msg);

  private dir(id: string): StateDir {
    validateId(id);
    return new StateDir(this.opts.root, id);
  }

  /** Runs fn holding the container's lock (cross-process; see lock.ts). */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const unlock = await lockContainer(this.dir(id).lockFile, id);
    try {
      return await fn();
    } finally {
      unlock();
    }
  }

  private cgroup(id: string, cgroupsPath: string | undefined): CgroupManager {
    return openCgroup({ id, cgroupsPath, systemd: this.opts.systemdCgroup, onWarning: this.warn });
  }

  private async load(id: string): Promise<{ dir: StateDir; stored: StoredState; cg: CgroupManager; status: ContainerState['status'] }> {
    const dir = this.dir(id);
    const stored = await dir.read();
    const cg = this.cgroup(id, stored.cgroupsPath);
    let status = baseStatus(stored, dir.fifo);
    if (status !== 'stopped' && (await cg.isFrozen().catch(() => false))) status = 'paused';
    return { dir, stored, cg, status };
  }

  private publicState(stored: StoredState, status: ContainerState['status']): ContainerState {
    const { ociVersion, id, bundle, rootfs, created, annotations, owner } = stored;
    return { ociVersion, id, pid: status === 'stopped' ? 0 : stored.pid, status, bundle, rootfs, created, ...(annotations ? { annotations } : {}), owner };
  }

  /** The state hooks get on stdin, without the pid (the helper adds it for startContainer hooks). */
  private hookStateBase(stored: Pick<StoredState, 'id' | 'bundle' | 'annotations'>, status: ContainerState['status']): Omit<State, 'pid'> {
    return { ociVersion: OCI_VERSION, id: stored.id, status, bundle: stored.bundle, ...(stored.annotations ? { annotations: stored.annotations } : {}) };
  }

  private hookState(stored: Pick<StoredState, 'id' | 'bundle' | 'annotations' | 'pid'>, status: ContainerState['status']): State {
    return { ...this.hookStateBase(stored, status), pid: stored.pid };
  }

  /** The compiled filter, cached by profile hash under the state root (compiling docker's profile takes ~7 ms). */
  private async seccomp(spec: Spec): Promise<{ program: Buffer; flags: number } | undefined> {
    const profile = spec.linux?.seccomp;
    if (!profile) return undefined;
    // loaded on demand: the syscall tables cost every short-lived CLI call otherwise
    const { compileSeccompCached } = await import('../seccomp/index.js');
    return compileSeccompCached(profile, join(this.opts.root, '.seccomp-cache'));
  }

  private async readSpec(bundle: string): Promise<Spec> {
    let text: string;
    try {
      text = readFileSync(join(bundle, 'config.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`JSON specification file config.json not found in bundle ${bundle}`);
      throw wrap('read config.json', err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw invalidArgument(`config.json: ${(err as Error).message}`);
    }
    return (await validation()).validateSpec(json);
  }

  async create(opts: CreateOptions): Promise<ContainerState> {
    return (await this.createInit(opts, false)).state;
  }

  private async createInit(opts: CreateOptions, wait: boolean): Promise<{ state: ContainerState; run: HelperRun }> {
    const dir = this.dir(opts.id);
    const bundle = resolve(opts.bundle);
    const spec = opts.spec ? (await validation()).validateSpec(opts.spec) : await this.readSpec(bundle);
    const seccomp = await this.seccomp(spec);
    let claimed: boolean;
    try {
      claimed = await dir.claim();
    } catch (err) {
      throw wrap('create state directory', err);
    }
    if (!claimed) throw alreadyExists(`container with id exists: ${opts.id}`);
    let stopPriming = () => {};
    // held until state.json is complete, so a start or delete racing with this create waits for it
    const unlock = await lockContainer(dir.lockFile, opts.id);
    const rootfs = resolve(bundle, spec.root?.path ?? 'rootfs');
    const cg = this.cgroup(opts.id, spec.linux?.cgroupsPath);
    let pid: number | undefined;
    const stored: StoredState = {
      ociVersion: spec.ociVersion,
      id: opts.id,
      pid: 0,
      bundle,
      rootfs,
      created: rfc3339Nano(),
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      owner: '',
      initStartTime: '',
      config: spec,
      cgroupsPath: spec.linux?.cgroupsPath,
      systemdCgroup: this.opts.systemdCgroup,
    };
    try {
      await cg.create();
      // The helper joins the cgroups ~10 ms from now (see attach-primer.ts). Not
      // before the mkdirs: a priming write holds cgroup_mutex while it waits.
      stopPriming = primeCgroupAttach();
      const { buildLaunchPlan, cgroupResources } = await planning();
      await cg.apply(cgroupResources(spec));
      const launch = buildLaunchPlan(spec, bundle, {
        rootfs,
        fifo: dir.fifo,
        consoleSocket: opts.consoleSocket,
        pidFile: opts.pidFile && resolve(opts.pidFile),
        cgroupProcs: cg.procsFiles(),
        cgroupMounts: cgroupMountFacts(cg),
        preserveFds: opts.preserveFds,
        wait,
        seccomp,
        noPivot: opts.noPivot,
        sessionKeyring: opts.noNewKeyring ? undefined : opts.id,
        // the process has not yet run the user's program (runc says "created" too)
        state: this.hookStateBase(stored, 'created'),
        warn: this.warn,
        ...HOST_LSM,
      });
      // A wrapper is the container's monitor: the init is its child and dies with it, so a
      // killed monitor never leaves a container running that nobody reaps or records.
      const plan = opts.wrapper?.length && !wait ? { ...launch, dieWithParent: true } : launch;
      const { startHelper } = await import('./helper.js');
      const run = await startHelper(plan, {
        stdio: opts.stdio,
        preserveFds: opts.preserveFds,
        wrapper: opts.wrapper,
        onPid: (p) => {
          pid = p;
          stopPriming();
        },
        onHooks: async (p) => {
          // "created", as crun and runtime-tools have it: the spec runs these hooks after the create step (runc says "creating")
          const state = this.hookState({ ...stored, pid: p }, 'created');
          await runHooks('prestart', spec.hooks?.prestart, state);
          await runHooks('createRuntime', spec.hooks?.createRuntime, state);
          await runHooks('createContainer', spec.hooks?.createContainer, state);
        },
      });
      stored.pid = await run.ready;
      stored.initStartTime = processStartTime(stored.pid) ?? '';
      await dir.write(stored);
      return { state: this.publicState(stored, 'created'), run };
    } catch (err) {
      await this.discard(dir, cg, pid);
      throw err;
    } finally {
      stopPriming();
      unlock();
    }
  }

  /** Undoes a failed create: the half-made init, its cgroup and the state directory. */
  private async discard(dir: StateDir, cg: CgroupManager, pid: number | undefined): Promise<void> {
    if (pid) {
      try {
        process.kill(pid, SIGKILL);
      } catch {
        // already gone
      }
      await waitGone(pid);
    }
    await cg.destroy().catch((err) => this.warn(`remove cgroup: ${(err as Error).message}`));
    await dir.remove();
  }

  async start(id: string): Promise<void> {
    const stored = await this.locked(id, async () => {
      const { dir, stored, status } = await this.load(id);
      if (status === 'stopped') throw failedPrecondition('cannot start a container that has stopped');
      if (status !== 'created') throw failedPrecondition('cannot start an already running container');
      const failure = await this.releaseInit(dir, stored);
      try {
        unlinkSync(dir.fifo);
      } catch {
        // a concurrent start removed it
      }
      if (failure) {
        // the init exits instead of running the program: the container is stopped when start fails
        await waitGone(stored.pid, stored.initStartTime);
        throw internal(failure);
      }
      return stored;
    });
    await runHooksWarning('poststart', stored.config.hooks?.poststart, this.hookState(stored, 'running'), this.warn);
  }

  /**
   * Opens exec.fifo for reading: the init's blocked open returns, it runs the startContainer
   * hooks and answers "0" before it execs, or the error of the step that failed, which this returns.
   */
  private async releaseInit(dir: StateDir, stored: StoredState): Promise<string | undefined> {
    let fd: number;
    try {
      fd = openSync(dir.fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      // a concurrent start got there first
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw failedPrecondition(initAlive(stored) ? 'cannot start an already running container' : 'cannot start a container that has stopped');
      throw wrap('open exec fifo', err);
    }
    // the init writes its answer at once (below PIPE_BUF), so one read has all of it
    const buf = Buffer.alloc(4096);
    const answer = (n: number) => (n === 1 && buf[0] === 0x30 ? undefined : buf.toString('utf8', 0, n));
    const hooksRunning = !!stored.config.hooks?.startContainer?.length;
    try {
      for (let i = 0; ; i++) {
        try {
          let n = readSync(fd, buf, 0, buf.length, null);
          if (n > 0) return answer(n);
          // EOF: the init has not opened its end yet (it may wait for a CPU on a busy
          // host) or is gone. Like runc, wait as long as it lives, within reason.
          if (!initAlive(stored)) {
            // It may have written, exec'd and exited since the read: then the answer waits.
            if ((n = readSync(fd, buf, 0, buf.length, null)) > 0) return answer(n);
            throw failedPrecondition('cannot start a container that has stopped');
          }
          if (i > 3000) throw failedPrecondition('exec fifo: the container init did not signal execve readiness within 30s');
        } catch (err) {
          // EAGAIN: a writer holds the fifo and has not written yet. Only the init opens
          // it for writing, so it is alive and about to write (after its startContainer
          // hooks, which their own timeouts bound): keep reading.
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          if (i > 3000 && !hooksRunning) throw failedPrecondition('exec fifo: the container init did not signal execve readiness within 30s');
        }
        // the init runs as soon as its open returns: yield briefly before sleeping
        await (i < 20 ? new Promise<void>((r) => setImmediate(r)) : sleep(i < 120 ? 1 : 10));
      }
    } finally {
      closeSync(fd);
    }
  }

  async run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
    const { run } = await this.createInit(opts, !opts.detach);
    try {
      await this.start(opts.id);
    } catch (err) {
      await this.delete(opts.id, { force: true }).catch(() => undefined);
      throw err;
    }
    if (opts.detach) return 0;
    const code = await run.exited;
    if (!opts.keep) await this.delete(opts.id, { force: true });
    return code;
  }

  async state(id: string): Promise<ContainerState> {
    const { stored, status } = await this.load(id);
    return this.publicState(stored, status);
  }

  async list(): Promise<ContainerState[]> {
    const out: ContainerState[] = [];
    for (const id of await listIds(this.opts.root)) {
      try {
        out.push(await this.state(id));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  async kill(id: string, signal: number, opts: { all?: boolean } = {}): Promise<void> {
    const { stored, cg, status } = await this.load(id);
    if (status === 'stopped') throw failedPrecondition('container not running');
    if (opts.all) {
      await cg.signalAll(signal);
      if (status === 'paused' && signal === SIGKILL) await cg.thaw();
      return;
    }
    try {
      process.kill(stored.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw notFound('no such process');
      throw wrap('kill', err);
    }
    if (status === 'paused' && signal === SIGKILL) await cg.thaw();
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    let unlock: (() => void) | undefined;
    try {
      unlock = await lockContainer(this.dir(id).lockFile, id);
    } catch (err) {
      // no state directory: a forced delete still looks for the cgroup
      if (!(opts.force && isNotFound(err))) throw err;
    }
    let stored: StoredState | undefined;
    try {
      stored = await this.deleteLocked(id, !!opts.force);
    } finally {
      unlock?.();
    }
    if (!stored) return;
    await runHooksWarning('poststop', stored.config.hooks?.poststop, this.hookState(stored, 'stopped'), this.warn);
  }

  /** Kills what is left, removes the cgroup and the state; the state it removed, if there was one. */
  private async deleteLocked(id: string, force: boolean): Promise<StoredState | undefined> {
    let loaded;
    try {
      loaded = await this.load(id);
    } catch (err) {
      // forced deletes tolerate a missing or unreadable state (the cgroup is still looked for)
      if (force) {
        const cg = this.cgroup(id, undefined);
        if (await cg.exists()) {
          await cg.signalAll(SIGKILL);
          await cg.destroy();
        }
        await this.dir(id).remove();
        return undefined;
      }
      throw err;
    }
    const { dir, stored, cg, status } = loaded;
    if ((status === 'running' || status === 'paused') && !force)
      throw failedPrecondition(`cannot delete container ${id} that is not stopped: ${status}`);
    if (status !== 'stopped') {
      try {
        process.kill(stored.pid, SIGKILL);
      } catch {
        // raced with its exit
      }
      if (status === 'paused') await cg.thaw();
      await waitGone(stored.pid, stored.initStartTime);
    }
    if (await cg.exists()) {
      // Processes can outlive the init only when the container has no pid namespace of its own
      // (the kernel kills the rest of a namespace with its init; rmdir waits out their exit).
      if (!ownsPidNamespace(stored.config) && (await cg.pids()).length) {
        await cg.signalAll(SIGKILL);
        if (await cg.isFrozen().catch(() => false)) await cg.thaw();
        for (let i = 0; i < 500 && (await cg.pids()).length; i++) await sleep(10);
      }
      await cg.destroy();
    }
    await dir.remove();
    return stored;
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecResult> {
    const { stored, status } = await this.load(id);
    if (status === 'stopped') throw failedPrecondition('cannot exec in a stopped container: container not running');
    if (status === 'paused' && !opts.ignorePaused) throw failedPrecondition('cannot exec in a paused container, use --ignore-paused to override');
    const process = (await validation()).validateProcess(opts.process, 'process');
    const { buildExecPlan } = await planning();
    const seccomp = await this.seccomp(stored.config);
    let cgroupProcs: string[];
    try {
      // The init's own cgroups: a hierarchy mounted since it started has no directory for the container.
      cgroupProcs = processProcsFiles(stored.pid);
    } catch (err) {
      throw wrap(`read the cgroups of the container's init (pid ${stored.pid})`, err);
    }
    const plan = buildExecPlan(stored.config, process, stored.pid, {
      consoleSocket: opts.consoleSocket,
      pidFile: opts.pidFile && resolve(opts.pidFile),
      cgroupProcs,
      preserveFds: opts.preserveFds,
      wait: !opts.detach,
      seccomp,
      warn: this.warn,
      ...HOST_LSM,
    });
    const { startHelper } = await import('./helper.js');
    const run = await startHelper(plan, { stdio: opts.stdio, preserveFds: opts.preserveFds, wrapper: opts.wrapper });
    const pid = await run.ready;
    if (opts.detach) return { pid };
    return { pid, exitCode: await run.exited };
  }

  async pause(id: string): Promise<void> {
    await this.locked(id, async () => {
      const { cg, status } = await this.load(id);
      if (status !== 'running' && status !== 'created') throw failedPrecondition('container not running');
      await cg.freeze();
    });
  }

  async resume(id: string): Promise<void> {
    await this.locked(id, async () => {
      const { cg, status } = await this.load(id);
      if (status !== 'paused') throw failedPrecondition('container not paused');
      await cg.thaw();
    });
  }

  async pids(id: string): Promise<number[]> {
    const { cg } = await this.load(id);
    return (await cg.exists()) ? cg.pids() : [];
  }

  async update(id: string, resources: LinuxResources): Promise<void> {
    // locked: two updates must not each merge into the state the other is replacing
    await this.locked(id, async () => {
      const { dir, stored, cg, status } = await this.load(id);
      if (status === 'stopped') throw failedPrecondition('container not running');
      await cg.apply(resources);
      const linux = (stored.config.linux ??= {});
      linux.resources = { ...linux.resources, ...resources };
      await dir.write(stored);
    });
  }

  async stats(id: string): Promise<CgroupStatsSnapshot> {
    const { cg, status } = await this.load(id);
    if (status === 'stopped') throw failedPrecondition('container not running');
    return cg.stats();
  }

  oomCountFile(id: string, cgroupsPath: string | undefined): string | undefined {
    const path = resolveCgroupPath({ id, cgroupsPath, systemd: this.opts.systemdCgroup });
    return oomCountFile(path, hostMountinfo());
  }

  async oomKillCount(id: string): Promise<number> {
    const { cg } = await this.load(id);
    return (await cg.exists()) ? cg.oomKillCount() : 0;
  }
}
