// RuntimeService.RemoveContainer: removes it whatever its state (a running one is
// killed); a container that is gone is no error.
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import type { Rpc } from './types.js';

export const removeContainer: Rpc<{ container_id: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCriIfExists(ctx, 'container', req.container_id);
  if (rec) await ctx.engine.containers.remove(rec.Id, { force: true }).catch(ignoreGone);
  return {};
};
