// Per-container endpoint records: which networks a container is attached to,
// with what address, and which host ports it holds. Written before any CNI
// call, so teardown and gc work from this state alone after a crash.
import { readdir } from 'node:fs/promises';
import { readJsonIfExists, removeIfExists, writeFileAtomic } from './fsutil.js';
import type { NetworkLayout } from './layout.js';
import type { BoundPort } from './portalloc.js';

export interface Attachment {
  network: string;
  networkId: string;
  ifName: string;
  aliases: string[];
  /** Requested static address (--ip). */
  requestedIp?: string;
  endpointId: string;
  /** Filled once CNI ADD succeeded. */
  address?: string; // CIDR
  gateway?: string;
  mac?: string;
  /** 'fast': the default bridge's in-process path (see fastbridge.ts); otherwise CNI. */
  mode?: 'fast';
  hostVeth?: string;
}

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  hostname: string;
  netnsPath: string;
  hostsPath: string;
  resolvConfPath: string;
  extraHosts: string[];
  attachments: Attachment[];
  ports: BoundPort[];
  /** The network whose attachment carries the port mappings. */
  portsNetwork?: string;
}

export async function readEndpoint(layout: NetworkLayout, containerId: string): Promise<EndpointRecord | undefined> {
  return readJsonIfExists<EndpointRecord>(layout.endpoint(containerId));
}

export async function writeEndpoint(layout: NetworkLayout, rec: EndpointRecord): Promise<void> {
  await writeFileAtomic(layout.endpoint(rec.containerId), JSON.stringify(rec, null, 1));
}

export async function deleteEndpoint(layout: NetworkLayout, containerId: string): Promise<void> {
  await removeIfExists(layout.endpoint(containerId));
}

export async function listEndpoints(layout: NetworkLayout): Promise<EndpointRecord[]> {
  let names: string[];
  try {
    names = await readdir(layout.endpointsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const recs = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => readJsonIfExists<EndpointRecord>(`${layout.endpointsDir}/${n}`)),
  );
  return recs.filter((r): r is EndpointRecord => r !== undefined);
}
