// RuntimeService.StopPodSandbox: kills the pod's containers, then the sandbox
// (which releases its network). Idempotent: a sandbox already stopped or gone is
// no error, as the kubelet calls it repeatedly.
import { SANDBOX_ID_LABEL, kindFilter } from './labels.js';
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import type { CriContext, Rpc } from './types.js';

/** The pod's containers (any state), by the sandbox's full ID. */
export async function podContainerIds(ctx: CriContext, sandboxId: string): Promise<string[]> {
  const list = await ctx.engine.containers.list({ all: true, filters: { label: [...kindFilter('container').label, `${SANDBOX_ID_LABEL}=${sandboxId}`] } });
  return list.map((c) => c.Id);
}

export const stopPodSandbox: Rpc<{ pod_sandbox_id: string }, Record<string, never>> = async (ctx, req) => {
  const sandbox = await inspectCriIfExists(ctx, 'sandbox', req.pod_sandbox_id);
  if (!sandbox) return {};
  const ids = await podContainerIds(ctx, sandbox.Id);
  // Like containerd, the pod's containers get no grace period here: the kubelet stopped them gracefully before.
  await Promise.all(ids.map((id) => ctx.engine.containers.stop(id, { t: 0 }).catch(ignoreGone)));
  // The pause process is PID 1 without a SIGTERM handler: only SIGKILL stops it.
  await ctx.engine.containers.stop(sandbox.Id, { t: 0 }).catch(ignoreGone);
  return {};
};
