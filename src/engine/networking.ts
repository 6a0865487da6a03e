// The engine's side of networking: docker's --network modes mapped onto the
// network service (src/network, loaded only when a container needs a network),
// the port list a container asks for, and the NetworkSettings that inspect,
// ps and port show. Teardown and gc keep the host clean when containers stop,
// are removed, or their gantry process dies.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerNetworking, LiveContainers, NetworkService, PublishedPort, SetupContainerRequest } from '../network/index.js';
import type { DockerConfig, EndpointSettings, HostConfig, NetworkSettingsJSON } from './docker-types.js';
import type { ContainerRecord } from './store.js';

export type NetworkMode = { kind: 'none' } | { kind: 'host' } | { kind: 'container'; ref: string } | { kind: 'ns'; path: string } | { kind: 'network'; name: string };

/**
 * docker's HostConfig.NetworkMode: "default" and "" mean the default bridge;
 * podman's ns:<path> joins a network namespace someone else set up (the CRI's
 * CNI pods).
 */
export function parseNetworkMode(mode: string): NetworkMode {
  if (mode === 'none' || mode === 'host') return { kind: mode };
  if (mode.startsWith('ns:')) return { kind: 'ns', path: mode.slice('ns:'.length) };
  if (mode.startsWith('container:')) return { kind: 'container', ref: mode.slice('container:'.length) };
  return { kind: 'network', name: mode === '' || mode === 'default' ? 'bridge' : mode };
}

/** The endpoint settings of a network the container is configured for but not attached to (created or stopped). */
export function blankEndpoint(o: { aliases?: string[] | null; ip?: string; networkId?: string } = {}): EndpointSettings {
  return {
    IPAMConfig: o.ip ? { IPv4Address: o.ip } : null,
    Links: null,
    Aliases: o.aliases && o.aliases.length ? o.aliases : null,
    MacAddress: '',
    NetworkID: o.networkId ?? '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: null,
  };
}

/** NetworkSettings of a container that is not running: the configured networks, no addresses or ports. */
export function idleNetworkSettings(ns: NetworkSettingsJSON): NetworkSettingsJSON {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, ep] of Object.entries(ns.Networks ?? {})) {
    const ip = (ep.IPAMConfig as { IPv4Address?: string } | null)?.IPv4Address;
    networks[name] = blankEndpoint({ aliases: ep.Aliases, ...(ip ? { ip } : {}), networkId: ep.NetworkID });
  }
  return { Bridge: '', SandboxID: '', SandboxKey: '', Ports: {}, Networks: networks };
}

/** -p bindings (HostConfig.PortBindings) plus, with -P, every exposed port not bound yet on a free host port. */
export function requestedPorts(config: DockerConfig, hc: HostConfig): PublishedPort[] {
  const out: PublishedPort[] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(hc.PortBindings ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    bound.add(`${Number(port)}/${proto}`);
    for (const b of bindings ?? []) {
      out.push({ containerPort: Number(port), protocol: proto === 'udp' ? 'udp' : 'tcp', hostPort: b.HostPort ? Number(b.HostPort) : 0, ...(b.HostIp ? { hostIp: b.HostIp } : {}) });
    }
  }
  if (hc.PublishAllPorts) {
    for (const key of Object.keys(config.ExposedPorts ?? {})) {
      const [port, proto = 'tcp'] = key.split('/');
      if (bound.has(`${Number(port)}/${proto}`)) continue;
      out.push({ containerPort: Number(port), protocol: proto === 'udp' ? 'udp' : 'tcp', hostPort: 0 });
    }
  }
  return out;
}

/** docker's PORTS column: "0.0.0.0:8080->80/tcp, 53/udp" (exposed but unpublished ports without an arrow). */
export function formatPorts(ports: NetworkSettingsJSON['Ports'] | undefined): string {
  const parts: string[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    if (!bindings || bindings.length === 0) parts.push(key);
    else for (const b of bindings) parts.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}->${key}`);
  }
  return parts.join(', ');
}

/** Merges the service's view with docker's habit of listing exposed-but-unpublished ports as null. */
function withExposed(settings: ContainerNetworking['settings'], config: DockerConfig): NetworkSettingsJSON {
  const ports: NetworkSettingsJSON['Ports'] = {};
  for (const key of Object.keys(config.ExposedPorts ?? {})) ports[key] = null;
  Object.assign(ports, settings.Ports);
  return { ...settings, Ports: ports };
}

export interface AttachedNetworking {
  netnsPath: string;
  hostsPath: string;
  resolvConfPath: string;
  settings: NetworkSettingsJSON;
}

export class EngineNetworking {
  private svc?: Promise<NetworkService>;

  constructor(
    readonly root: string,
    readonly runroot: string,
  ) {}

  /** The network service, imported on first use so runs without networks never load it. */
  service(): Promise<NetworkService> {
    this.svc ??= import('../network/index.js').then((m) => m.openNetworkService({ root: this.root, runroot: this.runroot }));
    return this.svc;
  }

  /** Wires the container into its networks (NetworkSettings.Networks, first = HostConfig.NetworkMode) before it starts. */
  async setup(rec: ContainerRecord): Promise<AttachedNetworking> {
    const svc = await this.service();
    const networks = Object.entries(rec.NetworkSettings.Networks ?? {}).map(([name, ep]) => {
      const ip = (ep.IPAMConfig as { IPv4Address?: string } | null)?.IPv4Address;
      return { name, aliases: ep.Aliases ?? [], ...(ip ? { ip } : {}) };
    });
    const hc = rec.HostConfig;
    const req: SetupContainerRequest = {
      containerId: rec.Id,
      containerName: rec.Name.replace(/^\//, ''),
      hostname: rec.Config.Hostname || rec.Id.slice(0, 12),
      networks,
      ports: requestedPorts(rec.Config, hc),
      extraHosts: hc.ExtraHosts ?? [],
      dns: hc.Dns ?? [],
      dnsSearch: hc.DnsSearch ?? [],
      dnsOptions: hc.DnsOptions ?? [],
    };
    let net: ContainerNetworking;
    try {
      net = await svc.setupContainer(req);
    } catch (err) {
      // A record left by a start that died before teardown: clear it and try once more.
      if (!(err instanceof Error && /networking is already set up/.test(err.message))) throw err;
      await svc.teardownContainer(rec.Id);
      net = await svc.setupContainer(req);
    }
    return { netnsPath: net.netnsPath, hostsPath: net.hostsPath, resolvConfPath: net.resolvConfPath, settings: withExposed(net.settings, rec.Config) };
  }

  /** The current settings of a running container (after connect/disconnect). */
  async current(rec: ContainerRecord): Promise<NetworkSettingsJSON | undefined> {
    const net = await (await this.service()).containerNetworking(rec.Id);
    return net ? withExposed(net.settings, rec.Config) : undefined;
  }

  /** Removes the container's veths, rules, leases and netns; idempotent, and free when nothing was set up. */
  async teardown(id: string): Promise<void> {
    if (!this.mayHaveState(id)) return;
    await (await this.service()).teardownContainer(id);
  }

  private mayHaveState(id: string): boolean {
    // A crash between a CNI ADD and the endpoint record leaves only a cache entry: gc handles that.
    return existsSync(join(this.root, 'networks', 'endpoints', `${id}.json`)) || existsSync(join(this.runroot, 'netns', id)) || existsSync(join(this.runroot, 'networks', id));
  }

  /** Tears down networking of every container `live` denies (crashed runs, reboots); `live` is asked per container, when it is decided. */
  async gc(live: LiveContainers): Promise<void> {
    if (!existsSync(join(this.root, 'networks')) && !existsSync(join(this.runroot, 'netns'))) return;
    await (await this.service()).gc(live);
  }
}
