// Daemonless name resolution: each container gets its own hosts file listing
// the peers on its user-defined networks, rewritten whenever a container joins
// or leaves one of them (callers hold the metadata lock). The engine bind-mounts
// the file, and a bind mount pins the inode, so updates are written in place
// (one write, then truncate) rather than by rename.
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredConfList } from './conflist.js';
import type { EndpointRecord } from './endpoints.js';
import { buildHostsFile, type HostsEntry } from './hosts.js';
import { dnsNames } from './settings.js';

const ipOf = (cidr: string) => cidr.split('/')[0]!;

export function hostsContentFor(ep: EndpointRecord, all: EndpointRecord[], networksById: Map<string, StoredConfList>): string {
  const peers: HostsEntry[] = [];
  for (const a of ep.attachments) {
    const conf = networksById.get(a.networkId);
    if (!conf || conf.gantry.isDefault) continue; // no name resolution on the default bridge
    for (const other of all) {
      if (other.containerId === ep.containerId) continue;
      const b = other.attachments.find((x) => x.networkId === a.networkId);
      if (b?.address) peers.push({ ip: ipOf(b.address), names: dnsNames(other, b.aliases) });
    }
  }
  const ips = ep.attachments.filter((a) => a.address).map((a) => ipOf(a.address!));
  return buildHostsFile({ hostname: ep.hostname, ips: ips.slice(0, 1), extraHosts: ep.extraHosts, peers });
}

export async function writeInPlace(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const buf = Buffer.from(content);
    await fh.write(buf, 0, buf.length, 0);
    await fh.truncate(buf.length);
  } finally {
    await fh.close();
  }
}

/** Rewrites the hosts file of every container sharing a user-defined network with one of networkIds. */
export async function refreshPeers(networkIds: Set<string>, all: EndpointRecord[], networksById: Map<string, StoredConfList>, skip?: string): Promise<void> {
  await Promise.all(
    all
      .filter((ep) => ep.containerId !== skip && ep.attachments.some((a) => networkIds.has(a.networkId) && !networksById.get(a.networkId)?.gantry.isDefault))
      .map((ep) => writeInPlace(ep.hostsPath, hostsContentFor(ep, all, networksById))),
  );
}
