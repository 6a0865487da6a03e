// RuntimeService.RemovePodSandbox: removes the pod's containers and the sandbox,
// whatever their state, after a CNI DEL if StopPodSandbox did not do it.
// Idempotent: a sandbox that is gone is no error.
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import { podContainerIds, releasePodNetwork } from './stop-pod-sandbox.js';
import type { Rpc } from './types.js';

export const removePodSandbox: Rpc<{ pod_sandbox_id: string }, Record<string, never>> = async (ctx, req) => {
  const sandbox = await inspectCriIfExists(ctx, 'sandbox', req.pod_sandbox_id);
  if (!sandbox) return {};
  const ids = await podContainerIds(ctx, sandbox.Id);
  await Promise.all(ids.map((id) => ctx.engine.containers.remove(id, { force: true }).catch(ignoreGone)));
  await releasePodNetwork(ctx, sandbox);
  await ctx.engine.containers.remove(sandbox.Id, { force: true }).catch(ignoreGone);
  return {};
};
