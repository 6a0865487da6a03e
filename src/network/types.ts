// Shapes the network layer exposes: docker's network inspect JSON, docker's
// container NetworkSettings, and the requests the engine makes.

export interface IpamConfigEntry {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

export interface NetworkContainerEntry {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** `docker network inspect` JSON for one network. */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfigEntry[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainerEntry>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface CreateNetworkOptions {
  name: string;
  driver?: 'bridge';
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface NetworkFilters {
  /** docker's --filter keys: name, id, driver, label, type (custom|builtin), dangling. */
  [key: string]: string[];
}

export interface PublishedPort {
  hostIp?: string;
  /** 0 or undefined: pick a free port. */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface NetworkAttachmentRequest {
  name: string;
  aliases?: string[];
  ip?: string;
}

export interface SetupContainerRequest {
  containerId: string;
  containerName: string;
  hostname: string;
  networks: NetworkAttachmentRequest[];
  ports: PublishedPort[];
  /** --add-host entries ("name:ip"), written into the container's hosts file. */
  extraHosts?: string[];
  /** Extra name servers etc. for resolv.conf (docker's --dns, --dns-search, --dns-option). */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: null;
  Aliases: string[] | null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DriverOpts: null;
  DNSNames: string[] | null;
}

export interface PortBindingEntry {
  HostIp: string;
  HostPort: string;
}

/** docker inspect's NetworkSettings. */
export interface DockerNetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: Record<string, PortBindingEntry[] | null>;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

export interface ContainerNetworking {
  netnsPath: string;
  settings: DockerNetworkSettings;
  /** The container's /etc/hosts content (also kept up to date at hostsPath). */
  hosts: string;
  /** Host file the engine bind-mounts as /etc/hosts; rewritten when peers join or leave. */
  hostsPath: string;
  resolvConf: string;
  /** Host file holding resolvConf, for the engine to bind-mount as /etc/resolv.conf. */
  resolvConfPath: string;
}
