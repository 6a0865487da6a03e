// Host port allocation for published ports. A port is taken when another
// container publishes it (the DNAT rules make no listening socket, so the
// endpoint records are consulted) or when a host process listens on it.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { conflict, unavailable } from '../errdefs/index.js';
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

/** Resolves every requested port to a concrete host port; call with the metadata lock held. */
export async function allocatePorts(requested: PublishedPort[], taken: BoundPort[]): Promise<BoundPort[]> {
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
