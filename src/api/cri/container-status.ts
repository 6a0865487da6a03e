// RuntimeService.ContainerStatus: state, exit code and reason, timestamps in ns,
// image, mounts and log path of a pod's container.
import type { ContainerInspect, ContainerStatusName } from '../../engine/docker-types.js';
import { CREATED_NS_LABEL, IMAGE_LABEL, LOG_PATH_LABEL, METADATA_LABEL, SANDBOX_ID_LABEL, criAnnotations, criLabels, jsonLabel } from './labels.js';
import { qualifiedName } from './image-status.js';
import { inspectCri } from './lookup.js';
import { rfc3339ToNs } from './time.js';
import type { ContainerMetadata, ContainerState, Mount, Rpc } from './types.js';

export function containerState(status: ContainerStatusName): ContainerState {
  switch (status) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
    case 'dead':
      return 'CONTAINER_EXITED';
    case 'removing':
      return 'CONTAINER_UNKNOWN';
  }
}

export const containerMetadata = (labels: Record<string, string> | null | undefined) => jsonLabel<ContainerMetadata>(labels, METADATA_LABEL, { name: '', attempt: 0 });

/** containerd's reasons: OOMKilled, else Completed for exit 0 and Error otherwise. */
function exitReason(rec: ContainerInspect): string {
  if (containerState(rec.State.Status) !== 'CONTAINER_EXITED') return '';
  if (rec.State.OOMKilled) return 'OOMKilled';
  return rec.State.ExitCode === 0 ? 'Completed' : 'Error';
}

const PROPAGATION: Record<string, Mount['propagation']> = { rslave: 'PROPAGATION_HOST_TO_CONTAINER', slave: 'PROPAGATION_HOST_TO_CONTAINER', rshared: 'PROPAGATION_BIDIRECTIONAL', shared: 'PROPAGATION_BIDIRECTIONAL' };

export const containerStatus: Rpc<{ container_id: string; verbose: boolean }, object> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  const labels = rec.Config.Labels;
  const image = labels[IMAGE_LABEL] ?? rec.Config.Image;
  return {
    status: {
      id: rec.Id,
      metadata: containerMetadata(labels),
      state: containerState(rec.State.Status),
      created_at: labels[CREATED_NS_LABEL] ?? rfc3339ToNs(rec.Created),
      started_at: rfc3339ToNs(rec.State.StartedAt),
      finished_at: containerState(rec.State.Status) === 'CONTAINER_EXITED' ? rfc3339ToNs(rec.State.FinishedAt) : '0',
      exit_code: rec.State.ExitCode,
      image: { image: qualifiedName(image), annotations: {} },
      image_ref: rec.Image,
      image_id: rec.Image,
      reason: exitReason(rec),
      message: rec.State.Error,
      labels: criLabels(labels),
      annotations: criAnnotations(labels),
      mounts: rec.Mounts.filter((m) => m.Type === 'bind').map((m) => ({
        container_path: m.Destination,
        host_path: m.Source,
        readonly: !m.RW,
        selinux_relabel: false,
        propagation: PROPAGATION[m.Propagation] ?? 'PROPAGATION_PRIVATE',
      })),
      log_path: labels[LOG_PATH_LABEL] ?? '',
    },
    info: req.verbose ? { info: JSON.stringify({ pid: rec.State.Pid, sandboxID: labels[SANDBOX_ID_LABEL] ?? '' }) } : {},
  };
};
