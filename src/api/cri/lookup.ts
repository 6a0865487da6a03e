// Finds the engine container behind a CRI sandbox or container ID (a full ID or
// a unique prefix, as crictl accepts), refusing the other kind.
import type { ContainerInspect } from '../../engine/docker-types.js';
import { isNotFound, notFound } from '../../errdefs/index.js';
import { KIND_LABEL, type Kind } from './labels.js';
import type { CriContext } from './types.js';

const noun = (kind: Kind) => (kind === 'sandbox' ? 'sandbox' : 'container');

export async function inspectCri(ctx: CriContext, kind: Kind, id: string): Promise<ContainerInspect> {
  if (!id) throw notFound(`${noun(kind)} ID must not be empty`);
  const rec = await ctx.engine.containers.inspect(id).catch((err: unknown) => {
    throw isNotFound(err) ? notFound(`an error occurred when try to find ${noun(kind)} "${id}": not found`, err) : err;
  });
  if (rec.Config.Labels?.[KIND_LABEL] !== kind) throw notFound(`an error occurred when try to find ${noun(kind)} "${id}": not found`);
  return rec;
}

/** The same, or undefined when there is none (for the idempotent stop and remove). */
export async function inspectCriIfExists(ctx: CriContext, kind: Kind, id: string): Promise<ContainerInspect | undefined> {
  return inspectCri(ctx, kind, id).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
}

/** A catch handler for stop and remove of what may be gone already. */
export const ignoreGone = (err: unknown): void => {
  if (!isNotFound(err)) throw err;
};
