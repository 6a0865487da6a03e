// `docker exec`: a process in a running container, built from the container's
// own process spec (capabilities, seccomp, rlimits, env) with the caller's
// changes, its stdio relayed by exec-relay.ts.
import { openSync, closeSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { conflict, failedPrecondition, internal, invalidArgument, type GantryError } from '../errdefs/index.js';
import type { Process, Spec } from '../oci/runtime-spec.js';
import type { EngineCore } from './engine.js';
import { pipeRelay, ptyRelay, type RelaySession } from './exec-relay.js';
import type { ContainerRecord } from './store.js';
import { resolveUserInRootfs } from './spec/user.js';


export interface ExecRequest {
  cmd: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  tty?: boolean;
  /** Forward the caller's stdin. */
  interactive?: boolean;
  detach?: boolean;
  /** Which output streams reach the session (both by default). */
  attachStdout?: boolean;
  attachStderr?: boolean;
  privileged?: boolean;
  /** Terminal size for the pty ([rows, cols]). */
  consoleSize?: [number, number];
}

/** The exec'd process: the container's process with the request's changes. */
async function execProcess(engine: EngineCore, rec: ContainerRecord, req: ExecRequest): Promise<Process> {
  const id = rec.Id;
  const bundle = JSON.parse(await readFile(engine.store.runPath(id, 'config.json'), 'utf8')) as Spec;
  const base = bundle.process;
  if (!base) throw failedPrecondition(`container ${id} has no process spec`);
  const env = new Map<string, string>();
  for (const e of [...(base.env ?? []), ...(req.env ?? [])]) env.set(e.split('=')[0]!, e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`);
  let user = base.user;
  if (req.user) {
    const u = await resolveUserInRootfs(req.user, engine.store.runPath(id, 'rootfs'), rec.HostConfig.GroupAdd ?? []);
    user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  if (req.workdir !== undefined && !req.workdir.startsWith('/')) throw invalidArgument(`the working directory '${req.workdir}' is invalid, it needs to be an absolute path`);
  const tty = Boolean(req.tty) && !req.detach;
  if (tty) env.set('TERM', env.get('TERM') ?? 'TERM=xterm');
  const caps = req.privileged ? (await import('../runtime/capabilities.js')).ALL_CAPABILITIES : undefined;
  return {
    ...base,
    terminal: tty,
    ...(tty && req.consoleSize ? { consoleSize: { height: req.consoleSize[0], width: req.consoleSize[1] } } : {}),
    args: req.cmd,
    env: [...env.values()],
    cwd: req.workdir || base.cwd,
    user,
    ...(caps ? { capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] } } : {}),
  };
}

/** docker's text for a process the runtime could not start (its CLI exits 126). */
export function execStartFailure(err: unknown): GantryError {
  return internal(`OCI runtime exec failed: exec failed: ${(err as Error).message}: unknown`, err);
}

/** docker's exit code of an exec that could not be started. */
export const EXEC_START_FAILED = 126;

/** The container an exec may run in; docker's texts: "container <id> is not running", "... is paused". */
export async function execTarget(engine: EngineCore, ref: string): Promise<ContainerRecord> {
  const rec = await engine.containers.get(ref);
  if (!rec.State.Running || rec.State.Restarting) throw conflict(`container ${rec.Id} is not running`);
  if (rec.State.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
  return rec;
}

export interface StartedExec {
  /** Output as it comes; its `ended` resolves with the exit code once all output is delivered. */
  session: RelaySession;
  /** The process is gone: its exit code (126 when it never started) and host pid. */
  exited: Promise<{ exitCode: number; pid: number }>;
  /** The host pid of the running process; 0 until the runtime has started it. */
  pid(): number;
  resize(rows: number, cols: number): void;
}

/** The pid in a pid file the runtime writes once the process runs; 0 before. */
function pidIn(file: string): number {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts the exec with its stdio relayed. It resolves once the process is being
 * launched: a failure to start comes as docker's "OCI runtime exec failed" text
 * on the session's stderr and exit code 126, as dockerd writes it into the
 * hijacked stream.
 */
export async function startExec(engine: EngineCore, rec: ContainerRecord, req: ExecRequest): Promise<StartedExec> {
  const proc = await execProcess(engine, rec, { ...req, detach: false });
  const opts = { interactive: Boolean(req.interactive), attached: { stdout: req.attachStdout !== false, stderr: req.attachStderr !== false } };
  const name = `exec-${randomBytes(4).toString('hex')}`;
  const relay = proc.terminal ? await ptyRelay(engine.store.runPath(rec.Id, `${name}.sock`), opts) : await pipeRelay(opts);
  // The runtime reports the pid only with the exit; its pid file has it while the process runs (for exec inspect and kill).
  const pidFile = engine.store.runPath(rec.Id, `${name}.pid`);
  let pid = 0;
  const exited = engine.containers
    .runtimeOf(rec)
    .exec(rec.Id, { process: proc, ...relay.launch, pidFile })
    .then(
      (r) => {
        relay.processExited(true);
        return { exitCode: r.exitCode ?? 0, pid: r.pid };
      },
      (err: unknown) => {
        relay.session.emit(2, Buffer.from(`${execStartFailure(err).message}\n`));
        relay.processExited(false);
        return { exitCode: EXEC_START_FAILED, pid: 0 };
      },
    )
    .then(async (e) => {
      pid = e.pid;
      await rm(pidFile, { force: true });
      return e;
    });
  relay.session.ended = Promise.all([exited, relay.done]).then(([e]) => e.exitCode);
  return { session: relay.session, exited, pid: () => (pid ||= pidIn(pidFile)), resize: relay.resize };
}

/** Starts the exec on its own (stdio /dev/null) and returns its host pid. */
export async function startExecDetached(engine: EngineCore, rec: ContainerRecord, req: ExecRequest): Promise<number> {
  const proc = await execProcess(engine, rec, { ...req, detach: true });
  const devnull = openSync('/dev/null', 'r+');
  try {
    return (
      await engine.containers.runtimeOf(rec).exec(rec.Id, { process: proc, detach: true, stdio: [devnull, devnull, devnull] }).catch((err: unknown) => {
        throw execStartFailure(err);
      })
    ).pid;
  } finally {
    closeSync(devnull);
  }
}

/**
 * Signals a running exec's process, as containerd kills a timed-out ExecSync.
 * Only a pid still among the container's processes is signalled: after the exec
 * ended its pid may belong to anything.
 */
export async function signalExec(engine: EngineCore, rec: ContainerRecord, pid: number, signal: number): Promise<void> {
  if (!(await engine.containers.runtimeOf(rec).pids(rec.Id)).includes(pid)) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    // it exited since the pids were read
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
