// RuntimeService.ExecSync: runs a command in a container and returns its whole
// output and exit code; past `timeout` seconds (0 = none) the call fails with
// DEADLINE_EXCEEDED, as containerd's does.
import { GantryError } from '../../errdefs/index.js';
import { DEADLINE_EXCEEDED, GrpcStatusError } from './grpc-error.js';
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

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
    session.close();
    throw new GrpcStatusError(DEADLINE_EXCEEDED, `command ${JSON.stringify(req.cmd)} timed out after ${seconds}s`);
  }
  const exitCode = ended ?? (await ctx.engine.exec.inspect(Id)).ExitCode ?? -1;
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: exitCode };
};
