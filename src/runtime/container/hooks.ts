// OCI hooks run from the runtime's namespaces: the state JSON on stdin, killed at their timeout.
import type { Hook, HookName, State } from '../../oci/runtime-spec.js';
import { GantryError, internal } from '../../errdefs/index.js';

export async function runHook(hook: Hook, state: State): Promise<void> {
  const [argv0, ...args] = hook.args?.length ? hook.args : [hook.path];
  // loaded on demand: most containers have no hooks, and child_process costs each CLI call
  const { spawn } = await import('node:child_process');
  const child = spawn(hook.path, args, {
    argv0,
    env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(JSON.stringify(state));
  let timedOut = false;
  const timer = hook.timeout ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), hook.timeout * 1000) : undefined;
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  if (timedOut) throw internal(`hook ${hook.path} timed out after ${hook.timeout}s`);
  if (code !== 0) throw internal(`hook ${hook.path}: exit status ${code ?? signal}${stderr ? `, stderr: ${stderr.trim()}` : ''}`);
}

const hookError = (kind: HookName, index: number, err: unknown) =>
  // runc's text: "error running createRuntime hook #1: ..."
  new GantryError(err instanceof GantryError ? err.code : 'internal', `error running ${kind} hook #${index}: ${(err as Error).message}`, { cause: err });

/** Runs the named hooks in order; the first failure stops them and fails the operation. */
export async function runHooks(kind: HookName, hooks: Hook[] | undefined, state: State): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(hook, state);
    } catch (err) {
      throw hookError(kind, i, err);
    }
  }
}

/**
 * Runs every hook of a kind whose failure must not change the lifecycle (poststart,
 * poststop): the spec has the runtime log a warning and go on as if it had succeeded.
 */
export async function runHooksWarning(kind: HookName, hooks: Hook[] | undefined, state: State, warn: (msg: string) => void): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(hook, state);
    } catch (err) {
      warn(hookError(kind, i, err).message);
    }
  }
}
