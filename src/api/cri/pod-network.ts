// A pod sandbox on the CNI network of the conf dir, as containerd does it: a
// netns is made first, pinned to a file under the runroot so it outlives the
// pause process for DEL; the sandbox joins it (engine network mode ns:<path>)
// while the conflist is ADDed into it with src/network/cni's chain runner, whose
// per-plugin cache entry (result, netns, config, runtime config) is the record
// PodSandboxStatus and a DEL after a service restart read.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { internal, invalidArgument } from '../../errdefs/index.js';
import { addNetworkList, cacheFile, delNetworkList, type CniCacheEntry } from '../../network/cni/chain.js';
import type { CniConfList, CniRuntimeConfig } from '../../network/cni/types.js';
import { readJsonIfExists, removeIfExists } from '../../network/fsutil.js';
import { createNetns, removeNetns } from '../../network/netns.js';
import type { PodSandboxConfig, PodSandboxMetadata } from './types.js';

/** The sandbox's label naming the CNI network it was ADDed to (absent: the engine's networking). */
export const CNI_NETWORK_LABEL = 'io.gantry.cri.cni-network';
/** The sandbox's label naming its pinned netns file. */
export const CNI_NETNS_LABEL = 'io.gantry.cri.netns';

const IFNAME = 'eth0';

export interface PodNetworkOptions {
  confDir: string;
  /** Searched in order for plugin binaries (CNI_PATH). */
  binDirs: string[];
  /** The ADD results, under the engine root like libcni's /var/lib/cni/results. */
  cacheDir: string;
  /** Pinned netns files, under the runroot: gone at reboot, like the namespaces. */
  netnsDir: string;
}

/** The pinned netns of a sandbox, by its label (sandboxes of older versions: named by the sandbox ID). */
export const podNetnsPath = (o: PodNetworkOptions, sandboxId: string, labels?: Record<string, string> | null) => labels?.[CNI_NETNS_LABEL] ?? join(o.netnsDir, sandboxId);

/** A new pinned netns (loopback up) for a sandbox about to be created, which has no ID yet. */
export async function createPodNetns(o: PodNetworkOptions): Promise<string> {
  const path = join(o.netnsDir, randomBytes(16).toString('hex'));
  await createNetns(path).catch((err: unknown) => {
    throw internal(`failed to create the pod's network namespace: ${(err as Error).message}`, err);
  });
  return path;
}

const SCALE: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A bandwidth annotation's Kubernetes quantity ("10M", "1Gi", "500k") in bits per second. */
function bandwidthRate(annotations: Record<string, string>, key: string): number | undefined {
  const q = annotations[key];
  if (q === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) throw invalidArgument(`annotation ${key}: invalid quantity ${JSON.stringify(q)}`);
  return Math.round(Number(m[1]) * (m[2] ? (SCALE[m[2]] ?? 1) : 1));
}

/** kubernetes.io/{ingress,egress}-bandwidth, with the burst containerd gives (the largest uint32). */
function bandwidth(annotations: Record<string, string>): CniRuntimeConfig['bandwidth'] {
  const ingress = bandwidthRate(annotations, 'kubernetes.io/ingress-bandwidth');
  const egress = bandwidthRate(annotations, 'kubernetes.io/egress-bandwidth');
  if (!ingress && !egress) return undefined;
  return { ...(ingress ? { ingressRate: ingress, ingressBurst: 2 ** 32 - 1 } : {}), ...(egress ? { egressRate: egress, egressBurst: 2 ** 32 - 1 } : {}) };
}

const CNI_PROTOCOLS = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' } as const;

function runtimeConfig(config: PodSandboxConfig): CniRuntimeConfig {
  const rt: CniRuntimeConfig = {
    portMappings: config.port_mappings
      .filter((p) => p.host_port > 0 && p.container_port > 0)
      .map((p) => ({ hostPort: p.host_port, containerPort: p.container_port, protocol: CNI_PROTOCOLS[p.protocol], ...(p.host_ip ? { hostIP: p.host_ip } : {}) })),
  };
  if (config.dns_config) rt.dns = { servers: config.dns_config.servers, searches: config.dns_config.searches, options: config.dns_config.options };
  const bw = bandwidth(config.annotations);
  if (bw) rt.bandwidth = bw;
  return rt;
}

/**
 * ADDs the network into the sandbox's netns as eth0. On failure whatever the
 * plugins made is DELeted (the caller removes the netns); the error names the
 * network and the plugin.
 */
export async function attachPodNetwork(o: PodNetworkOptions, sandboxId: string, netns: string, conf: CniConfList, meta: PodSandboxMetadata, config: PodSandboxConfig): Promise<void> {
  const rt = runtimeConfig(config);
  const args = { K8S_POD_NAMESPACE: meta.namespace, K8S_POD_NAME: meta.name, K8S_POD_INFRA_CONTAINER_ID: sandboxId, K8S_POD_UID: meta.uid };
  try {
    await addNetworkList(o.cacheDir, conf, { containerId: sandboxId, netns, ifName: IFNAME, args, runtimeConfig: rt }, o.binDirs);
  } catch (err) {
    // DEL what the plugins did; the plugin that failed ADD may fail DEL too, which must not leave the rest behind.
    await delNetworkList(o.cacheDir, conf.name, sandboxId, IFNAME, o.binDirs).catch(() => undefined);
    await removeIfExists(cacheFile(o.cacheDir, conf.name, sandboxId, IFNAME)).catch(() => undefined);
    throw internal(`failed to set up network "${conf.name}" for sandbox ${sandboxId}: ${(err as Error).message}`, err);
  }
}

/** DEL with the cached config and result, then unpins the netns. Idempotent; a netns already gone is fine. */
export async function detachPodNetwork(o: PodNetworkOptions, sandboxId: string, network: string, netns: string): Promise<void> {
  try {
    await delNetworkList(o.cacheDir, network, sandboxId, IFNAME, o.binDirs);
  } catch (err) {
    throw internal(`failed to tear down network "${network}" of sandbox ${sandboxId}: ${(err as Error).message}`, err);
  }
  await removeNetns(netns);
}

/** The pod's addresses from the ADD result (without prefix lengths), IPv4 first; none once DELeted. */
export async function podNetworkIps(o: PodNetworkOptions, sandboxId: string, network: string): Promise<string[]> {
  const entry = await readJsonIfExists<CniCacheEntry>(cacheFile(o.cacheDir, network, sandboxId, IFNAME));
  if (!entry?.complete) return [];
  const ips = (entry.result?.ips ?? []).map((ip) => ip.address.split('/')[0]!);
  return [...ips.filter((ip) => !ip.includes(':')), ...ips.filter((ip) => ip.includes(':'))];
}
