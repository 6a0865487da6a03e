// RuntimeService.StopPodSandbox: kills the pod's containers, releases the
// pod's CNI network (DEL; the engine releases its own bridge when the sandbox
// stops) while it kills the sandbox. Idempotent: a sandbox already stopped or gone
// is no error, as the kubelet calls it repeatedly.
import type { ContainerInspect } from '../../engine/docker-types.js';
import { SANDBOX_ID_LABEL, kindFilter } from './labels.js';
import { ignoreGone, inspectCriIfExists } from './lookup.js';
import { CNI_NETWORK_LABEL, detachPodNetwork, podNetnsPath } from './pod-network.js';
import type { CriContext, Rpc } from './types.js';

/** The pod's containers (any state), by the sandbox's full ID. */
export async function podContainerIds(ctx: CriContext, sandboxId: string): Promise<string[]> {
  const list = await ctx.engine.containers.list({ all: true, filters: { label: [...kindFilter('container').label, `${SANDBOX_ID_LABEL}=${sandboxId}`] } });
  return list.map((c) => c.Id);
}

/** CNI DEL of the sandbox's network, if it has one; a DEL done already, or a netns gone, is no error. */
export async function releasePodNetwork(ctx: CriContext, sandbox: ContainerInspect): Promise<void> {
  const network = sandbox.Config.Labels?.[CNI_NETWORK_LABEL];
  if (network && ctx.network) await detachPodNetwork(ctx.network, sandbox.Id, network, podNetnsPath(ctx.network, sandbox.Id, sandbox.Config.Labels));
}

export const stopPodSandbox: Rpc<{ pod_sandbox_id: string }, Record<string, never>> = async (ctx, req) => {
  const sandbox = await inspectCriIfExists(ctx, 'sandbox', req.pod_sandbox_id);
  if (!sandbox) return {};
  const ids = await podContainerIds(ctx, sandbox.Id);
  // Like containerd, the pod's containers get no grace period here: the kubelet stopped them gracefully before.
  const kill = { t: 0, signal: 'SIGKILL' };
  await Promise.all(ids.map((id) => ctx.engine.containers.stop(id, kill).catch(ignoreGone)));
  // The network's netns is pinned, so its DEL need not wait for the pause process to go.
  await Promise.all([releasePodNetwork(ctx, sandbox), ctx.engine.containers.stop(sandbox.Id, kill).catch(ignoreGone)]);
  return {};
};
