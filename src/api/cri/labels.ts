// The CRI server keeps its state on the engine's containers, as labels, so it
// survives a restart of the server: which containers are pod sandboxes and
// which belong to which sandbox, and the CRI metadata, labels and annotations
// the kubelet gave (kept apart from the engine's labels for label selectors).
import type { ContainerSummary } from '../../engine/docker-types.js';

export const KIND_LABEL = 'io.gantry.cri.kind';
export const SANDBOX_ID_LABEL = 'io.gantry.cri.sandbox-id';
export const METADATA_LABEL = 'io.gantry.cri.metadata';
export const CRI_LABELS_LABEL = 'io.gantry.cri.labels';
export const CRI_ANNOTATIONS_LABEL = 'io.gantry.cri.annotations';
export const LOG_DIRECTORY_LABEL = 'io.gantry.cri.log-directory';
export const LOG_PATH_LABEL = 'io.gantry.cri.log-path';
export const IMAGE_LABEL = 'io.gantry.cri.image';
export const RUNTIME_HANDLER_LABEL = 'io.gantry.cri.runtime-handler';
export const HOST_NETWORK_LABEL = 'io.gantry.cri.host-network';
export const CREATED_NS_LABEL = 'io.gantry.cri.created-ns';
/** The sandbox's namespace modes (network, pid, ipc) as the kubelet asked them, for PodSandboxStatus. */
export const NAMESPACE_MODES_LABEL = 'io.gantry.cri.namespace-modes';

export type Kind = 'sandbox' | 'container';

export const kindFilter = (kind: Kind) => ({ label: [`${KIND_LABEL}=${kind}`] });

export function jsonLabel<T>(labels: Record<string, string> | null | undefined, key: string, fallback: T): T {
  const v = labels?.[key];
  if (v === undefined) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export const criLabels = (labels: Record<string, string> | null | undefined) => jsonLabel<Record<string, string>>(labels, CRI_LABELS_LABEL, {});
export const criAnnotations = (labels: Record<string, string> | null | undefined) => jsonLabel<Record<string, string>>(labels, CRI_ANNOTATIONS_LABEL, {});

/** Every key=value of the selector is among the labels (the CRI's label_selector). */
export function matchesSelector(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The creation time in ns: the label written at create, else the summary's seconds. */
export function createdNs(c: Pick<ContainerSummary, 'Labels' | 'Created'>): string {
  return c.Labels?.[CREATED_NS_LABEL] ?? String(BigInt(c.Created) * 1_000_000_000n);
}
