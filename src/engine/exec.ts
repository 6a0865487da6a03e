// `docker exec`: a process in a running container, built from the container's
// own process spec (capabilities, seccomp, rlimits, env) with the caller's
// changes. With a tty the pty master travels over a console socket to
// native/build/gantry-ptyrelay, which relays it to the caller's terminal.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { nativeBinary } from '../sys/install-paths.js';
import { conflict, failedPrecondition, invalidArgument } from '../errdefs/index.js';
import type { Process, Spec } from '../oci/runtime-spec.js';
import type { Engine } from './engine.js';
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
async function execProcess(engine: Engine, id: string, req: ExecRequest): Promise<Process> {
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
export async function execInContainer(engine: Engine, ref: string, req: ExecRequest): Promise<number | undefined> {
  const rec = await engine.containers.get(ref);
  if (!rec.State.Running || rec.State.Restarting) throw conflict(`container ${rec.Id} is not running`);
  if (rec.State.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
  const proc = await execProcess(engine, rec.Id, req);
  await emitEvent(engine.root, 'container', `exec_create: ${req.cmd.join(' ')}`, rec.Id, { name: rec.Name.slice(1), image: rec.Config.Image }).catch(() => undefined);
  if (proc.terminal) return execWithTty(engine, rec.Id, proc, Boolean(req.interactive));
  const devnull = openSync('/dev/null', 'r+');
  try {
    const stdio: [number, number, number] = req.detach ? [devnull, devnull, devnull] : [req.interactive ? 0 : devnull, 1, 2];
    const res = await engine.runtime.exec(rec.Id, { process: proc, detach: Boolean(req.detach), stdio }).catch(startFailed);
    return res.exitCode;
  } finally {
    closeSync(devnull);
  }
}

async function execWithTty(engine: Engine, id: string, proc: Process, interactive: boolean): Promise<number> {
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
