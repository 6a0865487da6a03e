// RuntimeService.ReopenContainerLog: after the kubelet renamed a container's
// log to rotate it, the container's monitor starts a new file at log_path.
import { notImplemented } from '../../errdefs/index.js';
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const reopenContainerLog: Rpc<{ container_id: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  if (!ctx.engine.containers.reopenCriLog) throw notImplemented('ReopenContainerLog needs the local engine');
  await ctx.engine.containers.reopenCriLog(rec.Id);
  return {};
};
