// Network state shared by every store on the host. Several stores (--root) use
// the same bridge and subnet (gantry0, 10.90.0.0/16) and publish ports on the
// same host, so address leases and host port claims live in one place keyed by
// bridge, not under a store's root. It is under /run: tmpfs, cleared at reboot
// together with the namespaces, veths and nft rules its entries stand for.
//
// Every entry Gantry writes here names its owner: the store root, the container
// and the process that wrote it. An entry is reclaimed only when that is proven
// dead: the writer no longer runs (it may still be writing the store's record)
// and the store's endpoint record does not claim it (the store or the container
// is gone). Any store may reclaim any store's dead entries.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from '../sys/lockfile.js';
import { processStartTime } from '../sys/process-alive.js';
import type { EndpointRecord } from './endpoints.js';
import { NetworkLayout } from './layout.js';

/** Root-only (0700), like the stores' own state: entries name store roots and containers. */
export const HOST_NETWORK_DIR = '/run/gantry/network';

/** host-local's dataDir for a bridge: its pools are `<dir>/<network name>/`. */
export const bridgeIpamDir = (bridge: string) => join(HOST_NETWORK_DIR, 'ipam', bridge);
const bridgeLockFile = (bridge: string) => join(bridgeIpamDir(bridge), '.lock');
export const hostPortsDir = join(HOST_NETWORK_DIR, 'ports');
export const hostPortsLockFile = join(hostPortsDir, '.lock');

/**
 * Serializes Gantry's allocations in a bridge's pools, the bridge's setup and its
 * removal across processes. A removal deletes the emptied directory, so a lock
 * taken just then finds it gone and makes it again.
 */
export async function withBridgeLock<T>(bridge: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(bridgeIpamDir(bridge), { recursive: true, mode: 0o700 });
    try {
      return await withLock(bridgeLockFile(bridge), `bridge ${bridge}`, fn, 60_000);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 3 || existsSync(bridgeIpamDir(bridge))) throw err;
    }
  }
}

/** Drops a bridge's directory once nothing is left in it (its network and bridge are gone). */
export async function removeBridgeDirIfEmpty(bridge: string): Promise<void> {
  await rmdir(bridgeIpamDir(bridge)).catch(() => undefined);
}

export interface EntryOwner {
  root: string;
  containerId: string;
  pid: number;
  /** The writer's start time (clock ticks after boot), to tell it from a later process with its pid. */
  start: string;
}

export function ownerFor(root: string, containerId: string): EntryOwner {
  return { root, containerId, pid: process.pid, start: processStartTime(process.pid) ?? '' };
}

export function parseOwner(text: string): EntryOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<EntryOwner>;
    if (typeof o.root === 'string' && typeof o.containerId === 'string' && typeof o.pid === 'number' && typeof o.start === 'string') return o as EntryOwner;
  } catch {
    /* not ours, or torn: not provably dead */
  }
  return undefined;
}

function readRecord(o: EntryOwner): EndpointRecord | undefined {
  try {
    return JSON.parse(readFileSync(new NetworkLayout(o.root, '').endpoint(o.containerId), 'utf8')) as EndpointRecord;
  } catch {
    return undefined;
  }
}

/**
 * True when the entry's owner can no longer use it: its writer is dead and the
 * owning store's endpoint record (if any) does not hold it. The writer is checked
 * first: while it lives it may be about to write that record.
 */
export function ownerGone(o: EntryOwner, recordHolds: (rec: EndpointRecord) => boolean): boolean {
  const live = processStartTime(o.pid);
  if (live !== undefined && (o.start === '' || live === o.start)) return false;
  const rec = readRecord(o);
  return rec === undefined || !recordHolds(rec);
}
