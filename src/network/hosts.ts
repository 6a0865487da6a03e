// The container's /etc/hosts, built the way docker builds it: the fixed
// localhost/IPv6 lines, --add-host entries, the container's own address and
// hostname, then (on user-defined networks only) one line per peer container.
import { invalidArgument } from '../errdefs/index.js';

export interface HostsEntry {
  ip: string;
  names: string[];
}

export interface HostsFileOptions {
  hostname: string;
  domainname?: string;
  /** The container's own addresses (first one per network); none for --network none. */
  ips: string[];
  /** docker's --add-host "name:ip" (or "name=ip"); "host-gateway" must be resolved by the caller. */
  extraHosts?: string[];
  /** Peers reachable by name: other containers on the same user-defined networks. */
  peers?: HostsEntry[];
}

const DEFAULT_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function parseExtraHost(spec: string): HostsEntry {
  // docker accepts name:ip and name=ip; IPv6 addresses contain colons, so split at the first separator.
  const m = /^([^:=]+)[:=](.+)$/.exec(spec);
  if (!m) throw invalidArgument(`invalid argument "${spec}" for "--add-host" flag: bad format for add-host: "${spec}"`);
  const ip = m[2]!.replace(/^\[(.*)\]$/, '$1');
  return { ip, names: [m[1]!] };
}

export function buildHostsFile(o: HostsFileOptions): string {
  const lines = [...DEFAULT_LINES];
  for (const spec of o.extraHosts ?? []) {
    const e = parseExtraHost(spec);
    lines.push(`${e.ip}\t${e.names.join(' ')}`);
  }
  const own = o.domainname ? `${o.hostname}.${o.domainname} ${o.hostname}` : o.hostname;
  for (const ip of o.ips) lines.push(`${ip}\t${own}`);
  const seen = new Set<string>();
  for (const p of o.peers ?? []) {
    const key = `${p.ip}\t${p.names.join(' ')}`;
    if (seen.has(key) || p.names.length === 0) continue;
    seen.add(key);
    lines.push(key);
  }
  return lines.join('\n') + '\n';
}
