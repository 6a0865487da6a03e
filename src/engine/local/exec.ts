// The Engine interface's exec, in-process over the engine core. Exec instances
// live in this engine object's memory, as dockerd keeps them for its life: a
// daemonless CLI creates and starts one in the same process.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecAPI, ExecCreateConfig, ExecInspect, IOSession } from '../api.js';
import type { EngineCore } from '../engine.js';
import { execTarget, signalExec, startExec, startExecDetached, type ExecRequest } from '../exec.js';
import { conflict, invalidArgument, notFound } from '../../errdefs/index.js';
import { parseSignal } from '../../runtime/signals.js';
import { pidAlive } from '../../sys/lockfile.js';

interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecCreateConfig;
  state: 'created' | 'running' | 'exited';
  /** Started with Detach: nobody waits for it, so its end is seen only as its pid gone. */
  detached: boolean;
  exitCode: number | null;
  pid: number;
  /** While an attached exec runs: its pid once the runtime has started it. */
  livePid?: () => number;
  resize?: (rows: number, cols: number) => void;
}

/** Exec instances by engine core, so the container inspect of the same engine can list them (ExecIDs). */
const registries = new WeakMap<EngineCore, Map<string, ExecInstance>>();

/** The IDs of the exec instances of a container that this engine knows (docker inspect's ExecIDs; null when none). */
export function execIdsOf(core: EngineCore, containerId: string): string[] | null {
  const ids = [...(registries.get(core)?.values() ?? [])].filter((e) => e.containerId === containerId && e.state !== 'exited').map((e) => e.id);
  return ids.length ? ids : null;
}

export function localExec(core: EngineCore): ExecAPI {
  const execs = new Map<string, ExecInstance>();
  registries.set(core, execs);
  const find = (id: string): ExecInstance => {
    const e = execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  };
  /** The instance with what can only be read: an attached exec's pid, a detached one's end (reported to no one: its pid is gone). */
  const refresh = (e: ExecInstance): ExecInstance => {
    if (e.livePid && !e.pid) e.pid = e.livePid();
    if (e.detached && e.state === 'running' && !pidAlive(e.pid)) e.state = 'exited';
    return e;
  };
  const event = (rec: { Id: string; Name: string; Config: { Image: string } }, action: string, extra: Record<string, string> = {}) =>
    core.events.emit({ Type: 'container', Action: action, Actor: { ID: rec.Id, Attributes: { name: rec.Name.slice(1), image: rec.Config.Image, ...extra } } });

  return {
    async create(containerRef, config) {
      if (!config.Cmd?.length) throw invalidArgument('No exec command specified');
      const rec = await execTarget(core, containerRef);
      const id = randomBytes(32).toString('hex');
      execs.set(id, { id, containerId: rec.Id, config, state: 'created', detached: false, exitCode: null, pid: 0 });
      event(rec, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
      return { Id: id };
    },

    async start(execId, opts): Promise<IOSession | undefined> {
      const e = find(execId);
      if (e.state === 'running') throw conflict(`Error: Exec command ${execId} is already running`);
      if (e.state === 'exited') throw conflict(`Error: Exec command ${execId} has already run`);
      const rec = await execTarget(core, e.containerId);
      const c = e.config;
      const size = opts.ConsoleSize ?? c.ConsoleSize;
      const req: ExecRequest = {
        cmd: c.Cmd,
        env: c.Env ?? [],
        ...(c.User ? { user: c.User } : {}),
        ...(c.WorkingDir ? { workdir: c.WorkingDir } : {}),
        tty: Boolean(c.Tty || opts.Tty),
        interactive: Boolean(c.AttachStdin),
        privileged: Boolean(c.Privileged),
        attachStdout: c.AttachStdout !== false,
        attachStderr: c.AttachStderr !== false,
        ...(size ? { consoleSize: size } : {}),
      };
      e.state = 'running';
      event(rec, `exec_start: ${c.Cmd.join(' ')}`, { execID: execId });
      try {
        if (opts.Detach) {
          e.detached = true;
          e.pid = await startExecDetached(core, rec, req);
          return undefined;
        }
        const started = await startExec(core, rec, req);
        e.resize = started.resize;
        e.livePid = started.pid;
        void started.exited.then(({ exitCode, pid }) => {
          e.state = 'exited';
          e.exitCode = exitCode;
          e.pid = pid;
          e.resize = undefined;
          e.livePid = undefined;
          event(rec, 'exec_die', { execID: execId, exitCode: String(exitCode) });
        });
        return started.session;
      } catch (err) {
        e.state = 'exited';
        e.exitCode = 126;
        throw err;
      }
    },

    async resize(execId, h, w) {
      const e = find(execId);
      if (e.state !== 'running') throw conflict(`Exec ${execId} is not running`);
      e.resize?.(h, w);
    },

    async kill(execId, signal) {
      const e = find(execId);
      const sig = parseSignal(signal ?? 'KILL');
      // just started: the runtime writes the pid once the process runs
      for (let i = 0; i < 50 && refresh(e).state === 'running' && !e.pid; i++) await sleep(20);
      if (e.state !== 'running') throw conflict(`Exec ${execId} is not running`);
      if (!e.pid) throw conflict(`Exec ${execId} has not started its process yet`);
      await signalExec(core, await core.containers.get(e.containerId), e.pid, sig);
    },

    async inspect(execId): Promise<ExecInspect> {
      const e = refresh(find(execId));
      const [entrypoint = '', ...args] = e.config.Cmd;
      return {
        ID: e.id,
        Running: e.state === 'running',
        ExitCode: e.exitCode,
        ProcessConfig: { tty: Boolean(e.config.Tty), entrypoint, arguments: args, privileged: Boolean(e.config.Privileged), ...(e.config.User ? { user: e.config.User } : {}) },
        OpenStdin: Boolean(e.config.AttachStdin),
        OpenStderr: e.config.AttachStderr !== false,
        OpenStdout: e.config.AttachStdout !== false,
        CanRemove: false,
        ContainerID: e.containerId,
        DetachKeys: e.config.DetachKeys ?? '',
        Pid: e.pid,
      };
    },
  };
}
