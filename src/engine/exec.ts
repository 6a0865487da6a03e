// `docker exec`: a process in a running container, built from the container's
// own process spec (capabilities, seccomp, rlimits, env) with the caller's
// changes. With a tty the pty master travels over a console socket to
// native/build/gantry-ptyrelay, which relays it to the caller's terminal;
// without one native/build/gantry-piperelay gives the process pipes and relays
// them. Either way no fd of the caller reaches the container, where a
// background child could keep reading the caller's terminal after exec returns.
import { spawn } from 'node:child_process';
import { openSync, closeSync, constants as fsConstants } from 'node:fs';
import type { Duplex } from 'node:stream';
import { readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { nativeBinary } from '../sys/install-paths.js';
import { conflict, failedPrecondition, invalidArgument } from '../errdefs/index.js';
import type { Process, Spec } from '../oci/runtime-spec.js';
import type { EngineCore } from './engine.js';
import { emitEvent } from './events.js';
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
  privileged?: boolean;
  /** Terminal size for the pty ([rows, cols]). */
  consoleSize?: [number, number];
}

/** The exec'd process: the container's process with the request's changes. */
async function execProcess(engine: EngineCore, id: string, req: ExecRequest): Promise<Process> {
  const bundle = JSON.parse(await readFile(engine.store.runPath(id, 'config.json'), 'utf8')) as Spec;
  const base = bundle.process;
  if (!base) throw failedPrecondition(`container ${id} has no process spec`);
  const env = new Map<string, string>();
  for (const e of [...(base.env ?? []), ...(req.env ?? [])]) env.set(e.split('=')[0]!, e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`);
  let user = base.user;
  if (req.user) {
    const u = await resolveUserInRootfs(req.user, engine.store.runPath(id, 'rootfs'));
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

/** The runtime could not start the process (docker: "OCI runtime exec failed", exit 126). */
export class ExecStartError extends Error {}

function startFailed(err: unknown): never {
  throw new ExecStartError(`exec failed: ${(err as Error).message}: unknown`, { cause: err });
}

/**
 * Runs the exec and returns its exit code (undefined when detached). Errors
 * keep docker's texts: "container <id> is not running", "... is paused".
 */
export async function execInContainer(engine: EngineCore, ref: string, req: ExecRequest): Promise<number | undefined> {
  const rec = await engine.containers.get(ref);
  if (!rec.State.Running || rec.State.Restarting) throw conflict(`container ${rec.Id} is not running`);
  if (rec.State.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
  const proc = await execProcess(engine, rec.Id, req);
  await emitEvent(engine.root, 'container', `exec_create: ${req.cmd.join(' ')}`, rec.Id, { name: rec.Name.slice(1), image: rec.Config.Image }).catch(() => undefined);
  if (proc.terminal) return execWithTty(engine, rec.Id, proc, Boolean(req.interactive));
  if (!req.detach) return execWithPipes(engine, rec.Id, proc, Boolean(req.interactive));
  const devnull = openSync('/dev/null', 'r+');
  try {
    await engine.runtime.exec(rec.Id, { process: proc, detach: true, stdio: [devnull, devnull, devnull] }).catch(startFailed);
    return undefined;
  } finally {
    closeSync(devnull);
  }
}

/** The relay's first line on its control fd: its fds of the process's ends of the pipes (stdin -1 without -i). */
function readyFds(control: Duplex): Promise<[number, number, number]> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /^ready (-?\d+) (\d+) (\d+)\n/.exec(buf);
      if (!m) return;
      control.off('data', onData);
      resolve([Number(m[1]), Number(m[2]), Number(m[3])]);
    };
    control.on('data', onData);
    control.once('close', () => reject(failedPrecondition('exec: the pipe relay exited before it was ready')));
  });
}

async function execWithPipes(engine: EngineCore, id: string, proc: Process, interactive: boolean): Promise<number> {
  const path = nativeBinary('gantry-piperelay');
  const relay = spawn(path, interactive ? ['--stdin'] : [], { stdio: [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit', 'pipe'] });
  const control = relay.stdio[3] as Duplex;
  control.on('error', () => undefined);
  const relayExit = new Promise<void>((resolve) => {
    relay.on('close', () => resolve());
    relay.on('error', () => resolve());
  });
  const opened: number[] = [];
  try {
    const [stdinFd, stdoutFd, stderrFd] = await Promise.race([
      readyFds(control),
      new Promise<never>((_, reject) => relay.once('error', (err) => reject(failedPrecondition(`exec: starting ${path}: ${err.message} (run make -C native)`)))),
    ]);
    const reopen = (fd: number, flags: number) => {
      const n = openSync(fd < 0 ? '/dev/null' : `/proc/${relay.pid}/fd/${fd}`, flags);
      opened.push(n);
      return n;
    };
    const stdio: [number, number, number] = [reopen(stdinFd, fsConstants.O_RDONLY), reopen(stdoutFd, fsConstants.O_WRONLY), reopen(stderrFd, fsConstants.O_WRONLY)];
    control.write('opened\n');
    let exitCode: number;
    try {
      exitCode = (await engine.runtime.exec(id, { process: proc, stdio }).catch(startFailed)).exitCode ?? 0;
    } finally {
      // the process's output reaches EOF once it and its children close their ends, not ours
      for (const fd of opened.splice(0)) closeSync(fd);
      control.end('exited\n');
    }
    await relayExit;
    return exitCode;
  } catch (err) {
    relay.kill('SIGKILL');
    await relayExit;
    throw err;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

async function execWithTty(engine: EngineCore, id: string, proc: Process, interactive: boolean): Promise<number> {
  const socket = engine.store.runPath(id, `exec-${randomBytes(4).toString('hex')}.sock`);
  const relay = spawn(nativeBinary('gantry-ptyrelay'), [socket, ...(interactive ? ['--stdin'] : [])], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const relayExit = new Promise<number>((resolve) => relay.on('close', (code) => resolve(code ?? 1)));
  try {
    await new Promise<void>((resolve, reject) => {
      relay.on('error', (err) => reject(failedPrecondition(`exec -t: starting ${nativeBinary('gantry-ptyrelay')}: ${err.message} (run make -C native)`)));
      relay.stdio[3]!.once('data', () => resolve());
      relay.once('close', () => reject(failedPrecondition('exec -t: the pty relay exited before it was ready')));
    });
    const devnull = openSync('/dev/null', 'r+');
    let exitCode: number;
    try {
      exitCode = (await engine.runtime.exec(id, { process: proc, consoleSocket: socket, stdio: [devnull, devnull, devnull] }).catch(startFailed)).exitCode ?? 0;
    } finally {
      closeSync(devnull);
    }
    await relayExit;
    return exitCode;
  } catch (err) {
    relay.kill('SIGKILL');
    await relayExit;
    throw err;
  } finally {
    await rm(socket, { force: true });
  }
}
