// RuntimeService.RunPodSandbox: a pause container that holds the pod's network,
// IPC and UTS namespaces (its network on the engine's default bridge, or the
// host's with network NODE); the pod's containers join them with the engine's
// container:<id> network, IPC and UTS modes.
// Hostname, DNS and port mappings are the sandbox's; the CRI's own state goes
// in its labels.
import type { ContainerCreateBody } from '../../engine/api.js';
import { invalidArgument } from '../../errdefs/index.js';
import {
  CREATED_NS_LABEL,
  CRI_ANNOTATIONS_LABEL,
  CRI_LABELS_LABEL,
  HOST_NETWORK_LABEL,
  KIND_LABEL,
  LOG_DIRECTORY_LABEL,
  METADATA_LABEL,
  RUNTIME_HANDLER_LABEL,
} from './labels.js';
import { nowNs } from './time.js';
import type { PodSandboxConfig, Rpc } from './types.js';

/** dockershim's names, so `gantry ps` shows which pod a container is. */
export const sandboxName = (m: NonNullable<PodSandboxConfig['metadata']>) => `k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;

function portBindings(config: PodSandboxConfig): Pick<ContainerCreateBody, 'ExposedPorts'> & { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  for (const p of config.port_mappings) {
    if (!p.container_port) continue;
    const key = `${p.container_port}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    if (p.host_port > 0) (bindings[key] ??= []).push({ HostIp: p.host_ip, HostPort: String(p.host_port) });
  }
  return { ExposedPorts: exposed, PortBindings: bindings };
}

export const runPodSandbox: Rpc<{ config: PodSandboxConfig | null; runtime_handler: string }, { pod_sandbox_id: string }> = async (ctx, req) => {
  const config = req.config;
  const meta = config?.metadata;
  if (!config || !meta?.name) throw invalidArgument('sandbox config must include metadata with a name');
  const hostNetwork = config.linux?.security_context?.namespace_options?.network === 'NODE';
  const dns = config.dns_config;
  const ports = portBindings(config);
  const body: ContainerCreateBody = {
    Image: ctx.pauseImage,
    Hostname: config.hostname,
    ExposedPorts: ports.ExposedPorts,
    Labels: {
      [KIND_LABEL]: 'sandbox',
      [METADATA_LABEL]: JSON.stringify(meta),
      [CRI_LABELS_LABEL]: JSON.stringify(config.labels),
      [CRI_ANNOTATIONS_LABEL]: JSON.stringify(config.annotations),
      [LOG_DIRECTORY_LABEL]: config.log_directory,
      [RUNTIME_HANDLER_LABEL]: req.runtime_handler,
      [HOST_NETWORK_LABEL]: String(hostNetwork),
      [CREATED_NS_LABEL]: nowNs(),
    },
    HostConfig: {
      Runtime: req.runtime_handler,
      NetworkMode: hostNetwork ? 'host' : 'bridge',
      ...(config.linux?.security_context?.namespace_options?.ipc === 'NODE' ? { IpcMode: 'host' } : {}),
      ...(config.linux?.security_context?.namespace_options?.pid === 'NODE' ? { PidMode: 'host' } : {}),
      PortBindings: hostNetwork ? {} : ports.PortBindings,
      Dns: hostNetwork ? [] : (dns?.servers ?? []),
      DnsSearch: hostNetwork ? [] : (dns?.searches ?? []),
      DnsOptions: hostNetwork ? [] : (dns?.options ?? []),
      Sysctls: config.linux?.sysctls ?? {},
      Privileged: config.linux?.security_context?.privileged ?? false,
      ReadonlyRootfs: config.linux?.security_context?.readonly_rootfs ?? false,
      // The pause process prints nothing worth a log file.
      LogConfig: { Type: 'none', Config: {} },
    },
  };
  const { Id } = await ctx.engine.containers.create(body, { name: sandboxName(meta), pull: 'missing' });
  try {
    await ctx.engine.containers.start(Id);
  } catch (err) {
    await ctx.engine.containers.remove(Id, { force: true }).catch(() => undefined);
    throw err;
  }
  return { pod_sandbox_id: Id };
};
