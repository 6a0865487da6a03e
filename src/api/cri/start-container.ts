// RuntimeService.StartContainer: only a created container starts. As with
// containerd, one that ran already is an error, not a restart: the kubelet
// makes a new container (the next attempt) instead.
import { failedPrecondition } from '../../errdefs/index.js';
import { containerState } from './container-status.js';
import { inspectCri } from './lookup.js';
import type { Rpc } from './types.js';

export const startContainer: Rpc<{ container_id: string }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  const state = containerState(rec.State.Status);
  if (state !== 'CONTAINER_CREATED') throw failedPrecondition(`failed to set starting state for container "${rec.Id}": container is in ${state} state`);
  await ctx.engine.containers.start(rec.Id);
  return {};
};
