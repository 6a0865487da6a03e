// RuntimeService.PodSandboxStatus: state, creation time, the pod's IPs (from
// its CNI result, else the engine's network), namespace modes, labels and
// annotations, from the sandbox container.
import type { ContainerInspect } from '../../engine/docker-types.js';
import { CREATED_NS_LABEL, HOST_NETWORK_LABEL, METADATA_LABEL, NAMESPACE_MODES_LABEL, RUNTIME_HANDLER_LABEL, criAnnotations, criLabels, jsonLabel } from './labels.js';
import { inspectCri } from './lookup.js';
import { CNI_NETWORK_LABEL, podNetnsPath, podNetworkIps } from './pod-network.js';
import { nowNs, rfc3339ToNs } from './time.js';
import type { CriContext, PodSandboxMetadata, PodSandboxState, Rpc } from './types.js';

export const sandboxState = (running: boolean): PodSandboxState => (running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY');

export const sandboxMetadata = (labels: Record<string, string> | null | undefined) =>
  jsonLabel<PodSandboxMetadata>(labels, METADATA_LABEL, { name: '', uid: '', namespace: '', attempt: 0 });

/** The pod's addresses, IPv4 first (none with the host's network or once stopped). */
async function podIps(ctx: CriContext, rec: ContainerInspect): Promise<string[]> {
  if (!rec.State.Running) return [];
  const network = rec.Config.Labels?.[CNI_NETWORK_LABEL];
  if (network) return ctx.network ? podNetworkIps(ctx.network, rec.Id, network) : [];
  return Object.values(rec.NetworkSettings.Networks ?? {}).flatMap((ep) => (ep.IPAddress ? [ep.IPAddress] : []));
}

export const podSandboxStatus: Rpc<{ pod_sandbox_id: string; verbose: boolean }, object> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'sandbox', req.pod_sandbox_id);
  const labels = rec.Config.Labels;
  const hostNetwork = labels[HOST_NETWORK_LABEL] === 'true';
  const [ip = '', ...more] = await podIps(ctx, rec);
  const netns = labels[CNI_NETWORK_LABEL] && ctx.network ? podNetnsPath(ctx.network, rec.Id, labels) : rec.NetworkSettings.SandboxKey;
  return {
    status: {
      id: rec.Id,
      metadata: sandboxMetadata(labels),
      state: sandboxState(rec.State.Running),
      created_at: labels[CREATED_NS_LABEL] ?? rfc3339ToNs(rec.Created),
      network: { ip, additional_ips: more.map((a) => ({ ip: a })) },
      // Sandboxes made before the modes were kept: what their HostConfig shows.
      linux: { namespaces: { options: { ...jsonLabel(labels, NAMESPACE_MODES_LABEL, { network: hostNetwork ? 'NODE' : 'POD', pid: rec.HostConfig.PidMode === 'host' ? 'NODE' : 'CONTAINER', ipc: rec.HostConfig.IpcMode === 'host' ? 'NODE' : 'POD' }), target_id: '' } } },
      labels: criLabels(labels),
      annotations: criAnnotations(labels),
      runtime_handler: labels[RUNTIME_HANDLER_LABEL] ?? '',
    },
    info: req.verbose ? { info: JSON.stringify({ pid: rec.State.Pid, image: rec.Config.Image, netns }) } : {},
    timestamp: nowNs(),
  };
};
