// RuntimeService.PodSandboxStatus: state, creation time, the pod's IP and
// namespace modes, labels and annotations, from the sandbox container.
import type { ContainerInspect } from '../../engine/docker-types.js';
import { CREATED_NS_LABEL, HOST_NETWORK_LABEL, METADATA_LABEL, RUNTIME_HANDLER_LABEL, criAnnotations, criLabels, jsonLabel } from './labels.js';
import { inspectCri } from './lookup.js';
import { nowNs, rfc3339ToNs } from './time.js';
import type { PodSandboxMetadata, PodSandboxState, Rpc } from './types.js';

export const sandboxState = (running: boolean): PodSandboxState => (running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY');

export const sandboxMetadata = (labels: Record<string, string> | null | undefined) =>
  jsonLabel<PodSandboxMetadata>(labels, METADATA_LABEL, { name: '', uid: '', namespace: '', attempt: 0 });

/** The pod's IPv4 address on its network (none with the host's network or once stopped). */
function podIp(rec: ContainerInspect): string {
  if (!rec.State.Running) return '';
  for (const ep of Object.values(rec.NetworkSettings.Networks ?? {})) if (ep.IPAddress) return ep.IPAddress;
  return '';
}

export const podSandboxStatus: Rpc<{ pod_sandbox_id: string; verbose: boolean }, object> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'sandbox', req.pod_sandbox_id);
  const labels = rec.Config.Labels;
  const hostNetwork = labels[HOST_NETWORK_LABEL] === 'true';
  return {
    status: {
      id: rec.Id,
      metadata: sandboxMetadata(labels),
      state: sandboxState(rec.State.Running),
      created_at: labels[CREATED_NS_LABEL] ?? rfc3339ToNs(rec.Created),
      network: { ip: podIp(rec), additional_ips: [] },
      linux: { namespaces: { options: { network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD', target_id: '' } } },
      labels: criLabels(labels),
      annotations: criAnnotations(labels),
      runtime_handler: labels[RUNTIME_HANDLER_LABEL] ?? '',
    },
    info: req.verbose ? { info: JSON.stringify({ pid: rec.State.Pid, image: rec.Config.Image, netns: rec.NetworkSettings.SandboxKey }) } : {},
    timestamp: nowNs(),
  };
};
