// RuntimeService.Exec: a URL on the streaming server where the kubelet runs
// the command with its stdio (WebSocket, the Kubernetes channel protocol).
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const exec: Rpc<{ container_id: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, { url: string }> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  return (await ctx.streaming()).exec({ ...req, container_id: rec.Id });
};
