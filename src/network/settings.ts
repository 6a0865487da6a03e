// Renders Gantry's records as docker's JSON: container NetworkSettings and
// network inspect objects.
import type { StoredConfList } from './conflist.js';
import type { EndpointRecord } from './endpoints.js';
import type { DockerNetworkSettings, EndpointSettings, NetworkRecord, PortBindingEntry } from './types.js';
import { DEFAULT_NETWORK } from './store.js';

const splitCidr = (cidr: string | undefined): [string, number] => {
  if (!cidr) return ['', 0];
  const [ip, len] = cidr.split('/');
  return [ip ?? '', Number(len ?? 0)];
};

/** docker's DNS names for a container on a user-defined network: name, aliases, short id. */
export const dnsNames = (rec: EndpointRecord, aliases: string[]) => [...new Set([rec.containerName, ...aliases, rec.containerId.slice(0, 12)])];

export function buildNetworkSettings(rec: EndpointRecord, defaultNetworkName = DEFAULT_NETWORK): DockerNetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  for (const a of rec.attachments) {
    const [ip, len] = splitCidr(a.address);
    const userDefined = a.network !== defaultNetworkName;
    networks[a.network] = {
      IPAMConfig: a.requestedIp ? { IPv4Address: a.requestedIp } : null,
      Links: null,
      Aliases: userDefined ? a.aliases : null,
      MacAddress: a.mac ?? '',
      NetworkID: a.networkId,
      EndpointID: a.endpointId,
      Gateway: a.gateway ?? '',
      IPAddress: ip,
      IPPrefixLen: len,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DriverOpts: null,
      DNSNames: userDefined ? dnsNames(rec, a.aliases) : null,
    };
  }
  const ports: Record<string, PortBindingEntry[] | null> = {};
  for (const p of rec.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    (ports[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  // Like docker, the top-level fields describe the default bridge attachment only.
  const def = networks[defaultNetworkName];
  return {
    Bridge: '',
    SandboxID: rec.containerId,
    SandboxKey: rec.netnsPath,
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: ports,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: def?.EndpointID ?? '',
    Gateway: def?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: def?.IPAddress ?? '',
    IPPrefixLen: def?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: def?.MacAddress ?? '',
    Networks: networks,
  };
}

export function buildNetworkRecord(conf: StoredConfList, endpoints: EndpointRecord[]): NetworkRecord {
  const m = conf.gantry;
  const containers: NetworkRecord['Containers'] = {};
  for (const ep of endpoints) {
    const a = ep.attachments.find((x) => x.networkId === m.id);
    if (!a) continue;
    containers[ep.containerId] = { Name: ep.containerName, EndpointID: a.endpointId, MacAddress: a.mac ?? '', IPv4Address: a.address ?? '', IPv6Address: '' };
  }
  const ipamConfig = { Subnet: m.subnet, Gateway: m.gateway, ...(m.ipRange ? { IPRange: m.ipRange } : {}) };
  return {
    Name: conf.name,
    Id: m.id,
    Created: m.created,
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: m.isDefault ? null : {}, Config: [ipamConfig] },
    Internal: m.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: m.options,
    Labels: m.labels,
  };
}

export function buildPredefinedRecord(name: 'host' | 'none', id: string, created: string): NetworkRecord {
  return {
    Name: name,
    Id: id,
    Created: created,
    Scope: 'local',
    Driver: name === 'host' ? 'host' : 'null',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}
