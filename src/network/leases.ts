// Address leases in the host-wide pools (hoststate.ts): one file per address in
// host-local's format, "<container id>\r\n<ifname>", which the fast path follows
// with a third line naming the lease's owner. host-local compares a file's whole
// content when it looks a container up, so it never mistakes one of these for its
// own; its own leases carry no owner and are released by CNI DEL from the store's
// record. A pool is `<bridge dir>/<network name>/`: the default network is
// "bridge" in every store, so all stores share gantry0's pool.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict } from '../errdefs/index.js';
import { createExclusive, removeIfExists, removeStaleTempFiles } from './fsutil.js';
import { bridgeIpamDir, HOST_NETWORK_DIR, withBridgeLock, ownerGone, parseOwner, type EntryOwner } from './hoststate.js';
import { parseIPv4 } from './ipv4.js';

const IP_RE = /^\d+\.\d+\.\d+\.\d+$/;

export const leaseHolder = (content: string) => content.split(/\r?\n/)[0] ?? '';
const leaseOwner = (content: string) => parseOwner(content.split(/\r?\n/)[2] ?? '');

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

export async function usedAddresses(pool: string): Promise<Set<number>> {
  return new Set((await list(pool)).map((n) => parseIPv4(n)).filter((n): n is number => n !== undefined));
}

/** Claims `ip` with an exclusive create (false when taken); the caller holds the bridge's lock. */
export function createLease(pool: string, ip: string, owner: EntryOwner, ifName: string): Promise<boolean> {
  return createExclusive(join(pool, ip), `${owner.containerId}\r\n${ifName}\r\n${JSON.stringify(owner)}`);
}

const dead = (pool: string, ip: string, content: string) => {
  const owner = leaseOwner(content);
  const ifName = content.split(/\r?\n/)[1] ?? '';
  // The owner's record holds the lease while an attachment names this address (and the pool's network).
  return owner !== undefined && ownerGone(owner, (rec) => rec.attachments.some((a) => a.ifName === ifName && a.address?.split('/')[0] === ip && pool.endsWith(`/${a.network}`)));
};

/**
 * A network name owns a bridge's addresses: two stores whose networks of different
 * names use one bridge (`-o com.docker.network.bridge.name`) would allocate from two
 * pools on one link, so the second is refused while the first has leases.
 */
export async function assertOnlyPool(bridge: string, network: string): Promise<void> {
  const dir = bridgeIpamDir(bridge);
  for (const other of await list(dir)) {
    if (other === network || other.startsWith('.')) continue;
    if (await poolInUse(join(dir, other))) {
      throw conflict(`bridge ${bridge} is in use by network ${other} of another store: a bridge's addresses come from one network's pool`);
    }
  }
}

/** Removes leases whose owner is proven gone, in every pool on the host (any store's). */
export async function sweepDeadLeases(): Promise<void> {
  for (const bridge of await list(join(HOST_NETWORK_DIR, 'ipam'))) {
    const dir = bridgeIpamDir(bridge);
    await withBridgeLock(bridge, async () => {
      for (const network of (await list(dir)).filter((n) => !n.startsWith('.'))) {
        const pool = join(dir, network);
        for (const ip of (await list(pool)).filter((n) => IP_RE.test(n))) {
          const content = await readFile(join(pool, ip), 'utf8').catch(() => '');
          if (dead(pool, ip, content)) await removeIfExists(join(pool, ip));
        }
        await removeStaleTempFiles(pool);
      }
    });
  }
}

/** True while a lease of the pool is not proven dead (host-local's own leases always count). */
export async function poolInUse(pool: string): Promise<boolean> {
  for (const ip of (await list(pool)).filter((n) => IP_RE.test(n))) {
    if (!dead(pool, ip, await readFile(join(pool, ip), 'utf8').catch(() => ''))) return true;
  }
  return false;
}
