// RuntimeService.ListContainers: the pods' containers, filtered by ID (or a
// prefix), state, sandbox ID (or a prefix) and label selector.
import { IMAGE_LABEL, SANDBOX_ID_LABEL, createdNs, criAnnotations, criLabels, kindFilter, matchesSelector } from './labels.js';
import { containerMetadata, containerState } from './container-status.js';
import type { ContainerState, Rpc } from './types.js';

interface ContainerFilter {
  id: string;
  state: { state: ContainerState } | null;
  pod_sandbox_id: string;
  label_selector: Record<string, string>;
}

export const listContainers: Rpc<{ filter: ContainerFilter | null }, { containers: object[] }> = async (ctx, req) => {
  const f = req.filter;
  const list = await ctx.engine.containers.list({ all: true, filters: kindFilter('container') });
  const containers = list
    .map((c) => ({
      id: c.Id,
      pod_sandbox_id: c.Labels[SANDBOX_ID_LABEL] ?? '',
      metadata: containerMetadata(c.Labels),
      image: { image: c.Labels[IMAGE_LABEL] ?? c.Image, annotations: {} },
      image_ref: c.ImageID,
      image_id: c.ImageID,
      state: containerState(c.State),
      created_at: createdNs(c),
      labels: criLabels(c.Labels),
      annotations: criAnnotations(c.Labels),
    }))
    .filter(
      (c) =>
        (!f?.id || c.id.startsWith(f.id)) &&
        (!f?.state || c.state === f.state.state) &&
        (!f?.pod_sandbox_id || c.pod_sandbox_id.startsWith(f.pod_sandbox_id)) &&
        matchesSelector(c.labels, f?.label_selector),
    );
  return { containers };
};
