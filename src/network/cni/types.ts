// CNI 1.0 wire types (spec: interfaces, ips, routes, dns; errors).

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
}

export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: { dst: string; gw?: string }[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

/** One plugin object of a conflist; unknown keys pass through untouched. */
export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: CniPluginConf[];
  [key: string]: unknown;
}

export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** What the runtime offers to plugins that declare the matching capability. */
export interface CniRuntimeConfig {
  portMappings?: CniPortMapping[];
  ips?: string[];
  mac?: string;
  aliases?: string[];
  /** The CRI's pod DNS config (the dns capability). */
  dns?: { servers: string[]; searches: string[]; options: string[] };
  /** Traffic shaping in bits per second (the bandwidth plugin's capability). */
  bandwidth?: { ingressRate?: number; ingressBurst?: number; egressRate?: number; egressBurst?: number };
}

export interface CniRuntimeParams {
  containerId: string;
  netns: string;
  ifName: string;
  args?: Record<string, string>;
  runtimeConfig: CniRuntimeConfig;
}
