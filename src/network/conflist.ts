// Turns a network's settings into the CNI conflist stored for it: bridge (with
// host-local IPAM) -> portmap -> firewall.
import { invalidArgument } from '../errdefs/index.js';
import { cidrContains, cidrSize, formatIPv4, parseCidr, parseIPv4 } from './ipv4.js';
import type { CniConfList, CniPluginConf } from './cni/types.js';

export const CNI_VERSION = '1.0.0';

/** Gantry's own data about a network, kept in its conflist under the "gantry" key (plugins never see it). */
export interface NetworkMeta {
  id: string;
  created: string;
  driver: 'bridge';
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  internal: boolean;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** The predefined `bridge` network: no name resolution between containers, as in docker. */
  isDefault: boolean;
}

export interface StoredConfList extends CniConfList {
  gantry: NetworkMeta;
}

const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
const OPT_MASQ = 'com.docker.network.bridge.enable_ip_masquerade';
const OPT_MTU = 'com.docker.network.driver.mtu';

export const bridgeNameOption = (options: Record<string, string>) => options[OPT_BRIDGE_NAME];

export function validateAddressing(subnet: string, gateway: string, ipRange?: string): void {
  const net = parseCidr(subnet);
  const gw = parseIPv4(gateway);
  if (gw === undefined) throw invalidArgument(`invalid gateway address: ${gateway}`);
  if (!cidrContains(net, gw)) throw invalidArgument(`no matching subnet for gateway ${gateway}`);
  if (ipRange) {
    const range = parseCidr(ipRange, 'ip-range');
    if (!cidrContains(net, range.base) || range.prefix < net.prefix) throw invalidArgument(`no matching subnet for range ${ipRange}`);
  }
}

export function buildConfList(name: string, meta: NetworkMeta, ipamDataDir: string): StoredConfList {
  const net = parseCidr(meta.subnet);
  const range: Record<string, string> = { subnet: meta.subnet, gateway: meta.gateway };
  if (meta.ipRange) {
    const r = parseCidr(meta.ipRange, 'ip-range');
    const last = Math.min(r.base + cidrSize(r) - 1, net.base + cidrSize(net) - 2);
    range.rangeStart = formatIPv4(Math.max(r.base, net.base + 1));
    range.rangeEnd = formatIPv4(last);
  }
  const mtu = meta.options[OPT_MTU] ? Number(meta.options[OPT_MTU]) : undefined;
  const bridge: CniPluginConf = {
    type: 'bridge',
    bridge: meta.bridge,
    isGateway: true,
    ipMasq: !meta.internal && meta.options[OPT_MASQ] !== 'false',
    hairpinMode: true,
    ...(mtu ? { mtu } : {}),
    capabilities: { ips: true },
    ipam: {
      type: 'host-local',
      dataDir: ipamDataDir,
      ranges: [[range]],
      // Internal networks get no default route: nothing leaves the bridge.
      routes: meta.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  };
  const plugins: CniPluginConf[] = [bridge, { type: 'portmap', capabilities: { portMappings: true }, snat: true }];
  // The firewall plugin opens FORWARD for the container's address, which matters on
  // hosts whose FORWARD policy is DROP (e.g. where docker is installed).
  plugins.push({ type: 'firewall', backend: 'iptables' });
  return { cniVersion: CNI_VERSION, name, plugins, gantry: meta };
}
