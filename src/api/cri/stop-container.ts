// RuntimeService.StopContainer: the stop signal, then SIGKILL after timeout
// seconds; with no timeout, SIGKILL at once, as containerd does. Stopping a
// stopped container, or one that is gone, is no error.
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import type { Rpc } from './types.js';

export const stopContainer: Rpc<{ container_id: string; timeout: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCriIfExists(ctx, 'container', req.container_id);
  const timeout = Math.max(0, Number(req.timeout));
  if (rec) await ctx.engine.containers.stop(rec.Id, { t: timeout, ...(timeout === 0 ? { signal: 'SIGKILL' } : {}) }).catch(ignoreGone);
  return {};
};
