// Where a registry may be reached and with which TLS material: plain HTTP only for
// loopback and registries configured as insecure; CAs and client certificates
// from docker's (and podman's) per-registry certs.d directories, and from the
// host directories of containerd's registry config (as containerd reads them).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface RegistryConfig {
  /** host[:port] names (or CIDRs like 10.0.0.0/8) allowed over plain HTTP / unverified TLS. */
  insecureRegistries?: string[];
  /** Per-registry CA dirs; default /etc/docker/certs.d, then /etc/containers/certs.d. */
  certsDir?: string;
  /** Where config.json lives; default $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /**
   * containerd-style registry host config (<dir>/<registry>/hosts.toml: mirrors);
   * default /etc/gantry/certs.d, else /etc/containerd/certs.d, whichever exists.
   */
  hostsDir?: string;
}

export interface TlsMaterial {
  ca: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

function splitHostPort(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const i = hostPort.lastIndexOf(':');
  return i === -1 || hostPort.indexOf(':') !== i ? hostPort : hostPort.slice(0, i);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net || isIP(net) !== 4 || isIP(ip) !== 4 || !Number.isInteger(bits)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net) & mask);
}

export function insecureRegistries(config: RegistryConfig = {}, env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.GANTRY_INSECURE_REGISTRIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...(config.insecureRegistries ?? []), ...fromEnv];
}

/** Loopback hosts and configured registries may use plain HTTP (docker's rule). */
export function isInsecureRegistry(hostPort: string, config: RegistryConfig = {}): boolean {
  const host = splitHostPort(hostPort);
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  return insecureRegistries(config).some((entry) =>
    entry.includes('/') ? inCidr(host, entry) : entry === hostPort || entry === host,
  );
}

export function certsDirs(config: RegistryConfig = {}): string[] {
  return config.certsDir ? [config.certsDir] : ['/etc/docker/certs.d', '/etc/containers/certs.d'];
}

const DEFAULT_HOSTS_DIRS = ['/etc/gantry/certs.d', '/etc/containerd/certs.d'];

/** The registry host config dir: the configured one, else the first default that exists. */
export function hostsDir(config: RegistryConfig = {}): string | undefined {
  return config.hostsDir ?? DEFAULT_HOSTS_DIRS.find((d) => existsSync(d));
}

/** CAs (*.crt) and a client pair (*.cert + *.key) from <certsDir>/<host:port>/ (and <hostsDir>/<host:port>/), as docker reads them. */
export async function loadTlsMaterial(hostPort: string, config: RegistryConfig = {}): Promise<TlsMaterial> {
  const material: TlsMaterial = { ca: [] };
  const hosts = hostsDir(config);
  for (const base of [...certsDirs(config), ...(hosts ? [hosts] : [])]) {
    const dir = join(base, hostPort);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.crt')) material.ca.push(await readFile(join(dir, name)));
      else if (name.endsWith('.cert') && !material.cert) {
        const keyName = name.slice(0, -'.cert'.length) + '.key';
        if (!names.includes(keyName)) throw new Error(`missing key ${keyName} for client certificate ${name} in ${dir}`);
        material.cert = await readFile(join(dir, name));
        material.key = await readFile(join(dir, keyName));
      }
    }
  }
  return material;
}
