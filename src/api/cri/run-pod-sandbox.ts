// RuntimeService.RunPodSandbox: a pause container that holds the pod's network,
// IPC and UTS namespaces (its network from the CNI conf dir, else the engine's
// default bridge, or the host's with network NODE); the pod's containers join
// them with the engine's container:<id> network, IPC and UTS modes.
// Hostname, DNS and port mappings are the sandbox's; the CRI's own state goes
// in its labels.
import type { ContainerCreateBody } from '../../engine/api.js';
import { failedPrecondition, invalidArgument } from '../../errdefs/index.js';
import {
  CREATED_NS_LABEL,
  CRI_ANNOTATIONS_LABEL,
  CRI_LABELS_LABEL,
  HOST_NETWORK_LABEL,
  KIND_LABEL,
  LOG_DIRECTORY_LABEL,
  METADATA_LABEL,
  NAMESPACE_MODES_LABEL,
  RUNTIME_HANDLER_LABEL,
} from './labels.js';
import { CNI_NETNS_LABEL, CNI_NETWORK_LABEL, attachPodNetwork, createPodNetns, detachPodNetwork } from './pod-network.js';
import { removeNetns } from '../../network/netns.js';
import { loadPodNetworkConf } from './pod-network-conf.js';
import { seccompSecurityOpt } from './seccomp.js';
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
  // An unset mode is POD, the proto's default (as containerd reads it).
  const nsOptions = config.linux?.security_context?.namespace_options;
  const modes = { network: nsOptions?.network ?? 'POD', pid: nsOptions?.pid ?? 'POD', ipc: nsOptions?.ipc ?? 'POD' };
  const hostNetwork = modes.network === 'NODE';
  const dns = config.dns_config;
  const ports = portBindings(config);
  const podNetwork = hostNetwork ? undefined : ctx.network;
  const net = podNetwork ? await loadPodNetworkConf(podNetwork.confDir) : { kind: 'none' as const };
  if (net.kind === 'invalid') throw failedPrecondition(`cni config invalid: ${net.error}`);
  const cni = net.kind === 'cni' && podNetwork ? { options: podNetwork, conf: net.conf, netns: await createPodNetns(podNetwork) } : undefined;
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
      [NAMESPACE_MODES_LABEL]: JSON.stringify(modes),
      [CREATED_NS_LABEL]: nowNs(),
      ...(cni ? { [CNI_NETWORK_LABEL]: cni.conf.name, [CNI_NETNS_LABEL]: cni.netns } : {}),
    },
    HostConfig: {
      Runtime: req.runtime_handler,
      // With CNI: the netns made for the plugins to fill.
      NetworkMode: hostNetwork ? 'host' : cni ? `ns:${cni.netns}` : 'bridge',
      ...(modes.ipc === 'NODE' ? { IpcMode: 'host' } : {}),
      ...(modes.pid === 'NODE' ? { PidMode: 'host' } : {}),
      // With CNI the portmap plugin maps the host ports.
      PortBindings: hostNetwork || cni ? {} : ports.PortBindings,
      Dns: hostNetwork ? [] : (dns?.servers ?? []),
      DnsSearch: hostNetwork ? [] : (dns?.searches ?? []),
      DnsOptions: hostNetwork ? [] : (dns?.options ?? []),
      Sysctls: config.linux?.sysctls ?? {},
      Privileged: config.linux?.security_context?.privileged ?? false,
      ReadonlyRootfs: config.linux?.security_context?.readonly_rootfs ?? false,
      SecurityOpt: [await seccompSecurityOpt(config.linux?.security_context)],
      CgroupParent: config.linux?.cgroup_parent ?? '',
      // The pause process prints nothing worth a log file.
      LogConfig: { Type: 'none', Config: {} },
    },
  };
  let id: string | undefined;
  try {
    id = (await ctx.engine.containers.create(body, { name: sandboxName(meta), pull: 'missing' })).Id;
    const sandboxId = id;
    // The netns exists already: the plugins fill it while the pause process starts in it.
    const started = await Promise.allSettled([ctx.engine.containers.start(sandboxId), ...(cni ? [attachPodNetwork(cni.options, sandboxId, cni.netns, cni.conf, meta, config)] : [])]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (cni && started[1]?.status === 'fulfilled') await detachPodNetwork(cni.options, sandboxId, cni.conf.name, cni.netns).catch(() => undefined);
      throw failed.reason;
    }
  } catch (err) {
    if (id) await ctx.engine.containers.remove(id, { force: true }).catch(() => undefined);
    if (cni) await removeNetns(cni.netns).catch(() => undefined);
    throw err;
  }
  return { pod_sandbox_id: id };
};
