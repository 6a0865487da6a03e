// RuntimeService.ListPodSandbox: the sandbox containers, filtered by ID (or a
// prefix), state and label selector.
import { RUNTIME_HANDLER_LABEL, createdNs, criAnnotations, criLabels, kindFilter, matchesSelector } from './labels.js';
import { sandboxMetadata, sandboxState } from './pod-sandbox-status.js';
import type { PodSandboxState, Rpc } from './types.js';

interface PodSandboxFilter {
  id: string;
  state: { state: PodSandboxState } | null;
  label_selector: Record<string, string>;
}

export const listPodSandbox: Rpc<{ filter: PodSandboxFilter | null }, { items: object[] }> = async (ctx, req) => {
  const f = req.filter;
  const list = await ctx.engine.containers.list({ all: true, filters: kindFilter('sandbox') });
  const items = list
    .map((c) => ({
      id: c.Id,
      metadata: sandboxMetadata(c.Labels),
      state: sandboxState(c.State === 'running' || c.State === 'paused' || c.State === 'restarting'),
      created_at: createdNs(c),
      labels: criLabels(c.Labels),
      annotations: criAnnotations(c.Labels),
      runtime_handler: c.Labels[RUNTIME_HANDLER_LABEL] ?? '',
    }))
    .filter((s) => (!f?.id || s.id.startsWith(f.id)) && (!f?.state || s.state === f.state.state) && matchesSelector(s.labels, f?.label_selector));
  return { items };
};
