// Host port allocation for published ports. A port is taken when another
// container publishes it or when a host process listens on it. The DNAT rules
// make no listening socket, so published ports are claimed host-wide, for every
// store: one claim file per port under hoststate's ports directory, naming its
// owner like the address leases do (reclaimed once the owner is proven gone).
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, unavailable } from '../errdefs/index.js';
import { withLock } from '../sys/lockfile.js';
import { createExclusive, removeIfExists, removeStaleTempFiles } from './fsutil.js';
import { hostPortsDir, hostPortsLockFile, ownerGone, parseOwner, type EntryOwner } from './hoststate.js';
import type { PublishedPort } from './types.js';

export interface BoundPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

const anyAddr = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
const overlaps = (a: BoundPort, b: { hostIp: string; hostPort: number; protocol: string }) =>
  a.protocol === b.protocol && a.hostPort === b.hostPort && (anyAddr(a.hostIp) || anyAddr(b.hostIp) || a.hostIp === b.hostIp);

export const bindAddress = (hostIp: string) => (hostIp === '' ? '0.0.0.0' : hostIp);
export const portAllocatedError = (hostIp: string, port: number) =>
  conflict(`Bind for ${bindAddress(hostIp)}:${port} failed: port is already allocated`);

/** True when nothing on the host listens on ip:port (tries to bind it, as docker's proxy would). */
export async function hostPortFree(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  const host = bindAddress(hostIp);
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
    } else {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', () => {
        sock.close();
        resolve(false);
      });
      sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
    }
  });
}

async function ephemeralRange(): Promise<[number, number]> {
  try {
    const [lo, hi] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (lo && hi && hi > lo) return [lo, hi];
  } catch {
    /* fall through */
  }
  return [49153, 60999];
}

const samePort = (a: BoundPort, b: BoundPort) => a.protocol === b.protocol && a.hostPort === b.hostPort && a.hostIp === b.hostIp;
const claimFile = (p: BoundPort) => join(hostPortsDir, `${p.protocol}-${p.hostPort}-${p.hostIp || 'any'}`);

interface Claim {
  file: string;
  port: BoundPort;
  owner?: EntryOwner;
}

async function readClaims(): Promise<Claim[]> {
  const names = (await readdir(hostPortsDir).catch(() => [] as string[])).filter((n) => /^(tcp|udp)-\d+-./.test(n) && !n.endsWith('.tmp'));
  return Promise.all(
    names.map(async (n) => {
      const owner = parseOwner(await readFile(join(hostPortsDir, n), 'utf8').catch(() => ''));
      const [protocol, hostPort, hostIp] = n.split(/-(.*?)-(.*)/).filter(Boolean) as ['tcp' | 'udp', string, string];
      const port = { protocol, hostPort: Number(hostPort), hostIp: hostIp === 'any' ? '' : hostIp, containerPort: 0 };
      return { file: join(hostPortsDir, n), port, ...(owner ? { owner } : {}) };
    }),
  );
}

const claimDead = (c: Claim) => c.owner !== undefined && ownerGone(c.owner, (rec) => rec.ports.some((p) => samePort(p, c.port)));

/** Claims of dead owners are removed; the caller holds the ports lock. */
async function liveClaims(): Promise<Claim[]> {
  const live: Claim[] = [];
  for (const c of await readClaims()) {
    if (claimDead(c)) await removeIfExists(c.file);
    else live.push(c);
  }
  return live;
}

function locked<T>(fn: () => Promise<T>): Promise<T> {
  return withLock(hostPortsLockFile, 'the host ports', fn, 60_000);
}

/**
 * Resolves every requested port to a concrete host port and claims it host-wide;
 * `taken` adds the ports of the caller's own store (records older than the claims).
 */
export async function allocatePorts(requested: PublishedPort[], taken: BoundPort[], owner: EntryOwner): Promise<BoundPort[]> {
  if (requested.length === 0) return [];
  await mkdir(hostPortsDir, { recursive: true, mode: 0o700 });
  return locked(async () => {
    const bound = await choosePorts(requested, [...taken, ...(await liveClaims()).map((c) => c.port)]);
    const claimed: BoundPort[] = [];
    try {
      for (const p of bound) {
        if (!(await createExclusive(claimFile(p), JSON.stringify(owner)))) throw portAllocatedError(p.hostIp, p.hostPort);
        claimed.push(p);
      }
    } catch (err) {
      for (const p of claimed) await removeIfExists(claimFile(p));
      throw err;
    }
    return bound;
  });
}

/** Drops the claims containerId holds on `ports`. */
export async function releasePorts(containerId: string, ports: BoundPort[]): Promise<void> {
  for (const p of ports) {
    const owner = parseOwner(await readFile(claimFile(p), 'utf8').catch(() => ''));
    if (owner?.containerId === containerId) await removeIfExists(claimFile(p));
  }
}

/** Removes every claim whose owner is proven gone (any store's). */
export async function sweepDeadPortClaims(): Promise<void> {
  if ((await readdir(hostPortsDir).catch(() => [])).length === 0) return;
  await locked(async () => {
    await liveClaims();
    await removeStaleTempFiles(hostPortsDir);
  });
}

async function choosePorts(requested: PublishedPort[], taken: BoundPort[]): Promise<BoundPort[]> {
  const bound: BoundPort[] = [];
  const inUse = [...taken];
  for (const r of requested) {
    const hostIp = r.hostIp ?? '';
    if (r.hostPort) {
      const want = { hostIp, hostPort: r.hostPort, containerPort: r.containerPort, protocol: r.protocol };
      if (inUse.some((t) => overlaps(t, want)) || !(await hostPortFree(hostIp, r.hostPort, r.protocol))) {
        throw portAllocatedError(hostIp, r.hostPort);
      }
      bound.push(want);
      inUse.push(want);
      continue;
    }
    const [lo, hi] = await ephemeralRange();
    let found: BoundPort | undefined;
    for (let attempt = 0; attempt < 64 && !found; attempt++) {
      const port = lo + Math.floor(Math.random() * (hi - lo + 1));
      const cand = { hostIp, hostPort: port, containerPort: r.containerPort, protocol: r.protocol };
      if (!inUse.some((t) => overlaps(t, cand)) && (await hostPortFree(hostIp, port, r.protocol))) found = cand;
    }
    if (!found) throw unavailable(`allocate host port for ${r.containerPort}/${r.protocol}: no free port found`);
    bound.push(found);
    inUse.push(found);
  }
  return bound;
}
