// RuntimeService.Attach: a URL on the streaming server attached to the container's stdio.
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const attach: Rpc<{ container_id: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }, { url: string }> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  return (await ctx.streaming()).attach({ ...req, container_id: rec.Id });
};
