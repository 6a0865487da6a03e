// RuntimeService.PortForward: a URL on the streaming server that tunnels to
// ports in the pod sandbox's network namespace.
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const portForward: Rpc<{ pod_sandbox_id: string; port: number[] }, { url: string }> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'sandbox', req.pod_sandbox_id);
  return (await ctx.streaming()).portForward({ ...req, pod_sandbox_id: rec.Id });
};
