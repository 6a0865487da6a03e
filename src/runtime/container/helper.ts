// Starts native/gantry-init with a launch plan and follows its sync protocol
// (docs/helper-protocol.md): "pid N", "hooks" (answered with one byte), "ready",
// "error <step> <errno> <name>\t<detail>".
import { existsSync } from 'node:fs';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { GantryError, internal, invalidArgument, permissionDenied, unavailable } from '../../errdefs/index.js';
import { encodePlan } from '../plan/encode.js';
import { helperPath } from './helper-path.js';
import type { LaunchPlan, PlanOp } from '../plan/types.js';

export interface HelperRun {
  /** Host pid of the container process, once reported. */
  pid?: number;
  /** Resolves with the pid once the process is set up (create) or has exec'd (exec). */
  ready: Promise<number>;
  /** Resolves with the helper's exit status (the process's, in wait mode). */
  exited: Promise<number>;
  child: ChildProcess;
}

export interface HelperOptions {
  stdio?: [number, number, number];
  preserveFds?: number;
  wrapper?: string[];
  /** Called at the "hooks" sync point with the init pid; a throw aborts the create. */
  onHooks?: (pid: number) => Promise<void>;
  /** The pid is known (before the plan's operations run). */
  onPid?: (pid: number) => void;
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** "mount proc to /proc: EPERM": an error naming the plan step that failed. */
export function describeFailure(plan: LaunchPlan, step: number, name: string, errno: number, detail: string): GantryError {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  const op: PlanOp | undefined = step >= 0 ? plan.ops[step] : undefined;
  let what: string;
  if (op) {
    switch (op.kind) {
      case 'mount':
        what = op.fstype ? `mount ${op.src || op.fstype} to ${op.dst}` : op.src ? `mount ${op.src} to ${op.dst}` : `set propagation of ${op.dst}`;
        break;
      case 'sethostname':
      case 'setdomainname':
        what = `${op.kind} ${op.data}`;
        break;
      case 'sysctl':
        what = `sysctl ${op.dst}=${op.data}`;
        break;
      case 'symlink':
        what = `symlink ${op.dst} -> ${op.src}`;
        break;
      case 'hooks':
        what = 'createRuntime hooks';
        break;
      default:
        what = op.dst ? `${op.kind} ${op.dst}` : op.kind;
    }
  } else if (name === 'exec') {
    // docker maps these texts to exit codes 127 and 126
    const { ENOENT, EACCES } = osConstants.errno;
    if (errno === ENOENT) return invalidArgument(`unable to start container process: exec: "${detail}": executable file not found in $PATH`);
    if (errno === EACCES) return permissionDenied(`unable to start container process: exec: "${detail}": permission denied`);
    what = `unable to start container process: exec: "${detail}"`;
  } else if (name === 'rlimit') {
    const hint = errno === osConstants.errno.EPERM ? ' (above the hard limit the runtime may set: it lacks CAP_SYS_RESOURCE)' : '';
    return new GantryError('permission-denied', `process.rlimits ${detail}: setrlimit: ${code}${hint}`);
  } else if (name === 'oom_score_adj') {
    const hint = errno === osConstants.errno.EACCES || errno === osConstants.errno.EPERM ? ' (lowering it needs CAP_SYS_RESOURCE, which the runtime lacks)' : '';
    return new GantryError('permission-denied', `process.oomScoreAdj: write /proc/self/oom_score_adj: ${code}${hint}`);
  } else {
    what = detail ? `${name} ${detail}` : name;
  }
  const kind = errno === osConstants.errno.EPERM || errno === osConstants.errno.EACCES ? 'permission-denied' : 'internal';
  return new GantryError(kind, `${what}: ${code}`);
}

export async function startHelper(plan: LaunchPlan, opts: HelperOptions = {}): Promise<HelperRun> {
  if (!existsSync(helperPath())) throw unavailable(`native helper ${helperPath()} is missing: build it with \`npm run build\` (make -C native)`);
  const preserved = Array.from({ length: opts.preserveFds ?? 0 }, (_, i) => 3 + i);
  const stdio: StdioOptions = [...(opts.stdio ?? [0, 1, 2]), 'pipe', 'pipe', ...preserved];
  const [cmd, ...args] = opts.wrapper?.length ? [...opts.wrapper, helperPath()] : [helperPath()];
  // loaded on demand: state, start, kill and delete never spawn, and child_process costs each CLI call
  const { spawn } = await import('node:child_process');
  const child = spawn(cmd!, args, { stdio, detached: !!opts.wrapper?.length || !plan.wait });
  const planPipe = child.stdio[3] as NodeJS.WritableStream & { destroy(): void };
  const syncPipe = child.stdio[4] as NodeJS.ReadableStream & { destroy(): void };
  const run: Partial<HelperRun> = { child };
  let spawnError: Error | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      resolve(125);
    });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
  });
  if (opts.wrapper?.length) child.unref();
  const ready = new Promise<number>((resolve, reject) => {
    let buf = '';
    let failed: GantryError | undefined;
    let sawReady = false;
    const onLine = (line: string) => {
      const [word, ...rest] = line.split(' ');
      if (word === 'pid') {
        run.pid = Number(rest[0]);
        opts.onPid?.(run.pid);
      } else if (word === 'hooks') {
        const hooks = opts.onHooks ? opts.onHooks(run.pid!) : Promise.resolve();
        hooks.then(
          () => planPipe.write('1'),
          (err) => {
            failed = err instanceof GantryError ? err : internal(String(err));
            planPipe.write('0');
          },
        );
      } else if (word === 'ready') {
        sawReady = true;
      } else if (word === 'error') {
        const [step, errno, ...more] = rest;
        const [name = '', detail = ''] = more.join(' ').split('\t');
        failed ??= describeFailure(plan, Number(step), name, Number(errno), detail);
      }
    };
    syncPipe.setEncoding('utf8');
    syncPipe.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    syncPipe.on('error', () => undefined);
    planPipe.on('error', () => undefined);
    // EOF: the process closed its copy (create) or exec'd, and the parent closed its copy
    // after writing the pid file, so everything the caller may look at is in place.
    syncPipe.on('end', () => {
      planPipe.destroy();
      if (failed) reject(failed);
      else if (sawReady && run.pid !== undefined) resolve(run.pid);
      else reject(spawnError ? internal(`start ${helperPath()}: ${spawnError.message}`) : internal('container init exited before it was ready'));
    });
    planPipe.write(encodePlan(plan));
  });
  run.ready = ready;
  run.exited = exited;
  return run as HelperRun;
}
