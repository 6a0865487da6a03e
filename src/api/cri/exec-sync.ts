// RuntimeService.ExecSync: runs a command in a container and returns its whole
// output and exit code; past `timeout` seconds (0 = none) the command is
// killed and the call fails with DEADLINE_EXCEEDED, as containerd's does (a
// kubelet's timed-out exec probes would otherwise pile up in the container).
import { setTimeout as sleep } from 'node:timers/promises';
import { GantryError, isConflict } from '../../errdefs/index.js';
import { DEADLINE_EXCEEDED, GrpcStatusError } from './grpc-error.js';
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

/** How long a killed command's output may take to drain (a background child can hold it open). */
const DRAIN_MS = 1000;

/** Whole seconds as Go prints a time.Duration ("1s", "1m30s", "1h0m0s"), as containerd's message has it. */
function goSeconds(total: number): string {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${total % 60}s`;
}

export const execSync: Rpc<{ container_id: string; cmd: string[]; timeout: string }, { stdout: Buffer; stderr: Buffer; exit_code: number }> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  const { Id } = await ctx.engine.exec.create(rec.Id, { Cmd: req.cmd, AttachStdout: true, AttachStderr: true });
  const session = await ctx.engine.exec.start(Id, {});
  if (!session) throw new GantryError('internal', 'exec session did not attach');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  session.onOutput((stream, data) => (stream === 2 ? err : out).push(data));
  const seconds = Number(req.timeout);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (seconds > 0) timer = setTimeout(() => resolve('timeout'), seconds * 1000);
  });
  const ended = await Promise.race([session.ended, timedOut]);
  clearTimeout(timer);
  if (ended === 'timeout') {
    // conflict: it ended (or never started) meanwhile, nothing to kill
    await ctx.engine.exec.kill(Id, 'KILL').catch((e: unknown) => {
      if (!isConflict(e)) throw e;
    });
    await Promise.race([session.ended, sleep(DRAIN_MS)]);
    session.close();
    throw new GrpcStatusError(DEADLINE_EXCEEDED, `failed to exec in container: timeout ${goSeconds(seconds)} exceeded: context deadline exceeded`);
  }
  const exitCode = ended ?? (await ctx.engine.exec.inspect(Id)).ExitCode ?? -1;
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: exitCode };
};
