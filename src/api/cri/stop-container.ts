// RuntimeService.StopContainer: the stop signal, then SIGKILL after timeout
// seconds. Stopping a stopped container, or one that is gone, is no error.
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import type { Rpc } from './types.js';

export const stopContainer: Rpc<{ container_id: string; timeout: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCriIfExists(ctx, 'container', req.container_id);
  if (rec) await ctx.engine.containers.stop(rec.Id, { t: Math.max(0, Number(req.timeout)) }).catch(ignoreGone);
  return {};
};
