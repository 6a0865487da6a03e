// RuntimeService.GetContainerEvents: the engine's container events (create,
// start, die, destroy) of pod sandboxes and pod containers, as the CRI's
// container events with the pod's status at that moment (the kubelet's evented
// PLEG), until the client cancels.
import { isNotFound } from '../../errdefs/index.js';
import type { EngineEvent } from '../../engine/api.js';
import { KIND_LABEL, SANDBOX_ID_LABEL } from './labels.js';
import { containerStatus } from './container-status.js';
import { podSandboxStatus } from './pod-sandbox-status.js';
import { podContainerIds } from './stop-pod-sandbox.js';
import type { CriContext } from './types.js';

const EVENT_TYPES: Record<string, string> = {
  create: 'CONTAINER_CREATED_EVENT',
  start: 'CONTAINER_STARTED_EVENT',
  die: 'CONTAINER_STOPPED_EVENT',
  destroy: 'CONTAINER_DELETED_EVENT',
};

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });

async function criEvent(ctx: CriContext, e: EngineEvent): Promise<object | undefined> {
  const type = EVENT_TYPES[e.Action];
  const kind = e.Actor.Attributes[KIND_LABEL];
  if (!type || (kind !== 'sandbox' && kind !== 'container')) return undefined;
  const sandboxId = kind === 'sandbox' ? e.Actor.ID : (e.Actor.Attributes[SANDBOX_ID_LABEL] ?? '');
  const pod = (await orUndefined(podSandboxStatus(ctx, { pod_sandbox_id: sandboxId, verbose: false }))) as { status?: object } | undefined;
  const ids = pod ? await podContainerIds(ctx, sandboxId) : [];
  const statuses = await Promise.all(ids.map(async (id) => ((await orUndefined(containerStatus(ctx, { container_id: id, verbose: false }))) as { status?: object } | undefined)?.status));
  return {
    container_id: e.Actor.ID,
    container_event_type: type,
    created_at: String(e.timeNano),
    pod_sandbox_status: pod?.status ?? null,
    containers_statuses: statuses.filter((s) => s !== undefined),
  };
}

/** Writes each event to the stream until `signal` (the call's cancellation) fires. */
export async function streamContainerEvents(ctx: CriContext, write: (event: object) => void, signal: AbortSignal): Promise<void> {
  const since = Date.now() / 1000;
  for await (const e of ctx.engine.system.events({ since, filters: { type: ['container'] }, signal })) {
    const event = await criEvent(ctx, e);
    if (event && !signal.aborted) write(event);
  }
}
