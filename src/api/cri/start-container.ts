// RuntimeService.StartContainer.
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const startContainer: Rpc<{ container_id: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  await ctx.engine.containers.start(rec.Id);
  return {};
};
