// Where the API server listens: `unix:///path` (dockerd's default form) or
// `tcp://host:port`. A unix socket is created 0660 and owned by root:root
// before listen() resolves (like /run/docker.sock); a live server on the path
// is refused, a stale socket file left by a dead one replaced.
import { connect, type Server } from 'node:net';
import { chmod, chown, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { conflict, invalidArgument } from '../../errdefs/index.js';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export function parseListenAddress(host: string): ListenAddress {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/')) throw invalidArgument(`invalid unix socket address ${JSON.stringify(host)}: the path must be absolute`);
    return { kind: 'unix', path };
  }
  const tcp = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]*):(\d+)\/?$/.exec(host);
  if (tcp) return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(tcp[2]) };
  throw invalidArgument(`invalid listen address ${JSON.stringify(host)}: want unix:///path or tcp://host:port`);
}

/** True when a server accepts connections on the socket path. */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

async function clearSocketPath(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw conflict(`cannot listen on ${path}: it exists and is not a socket`);
  if (await socketAlive(path)) throw conflict(`cannot listen on ${path}: another server is listening there`);
  await unlink(path);
}

export async function listenOn(server: Server, address: ListenAddress): Promise<void> {
  if (address.kind === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return;
  }
  await mkdir(dirname(address.path), { recursive: true });
  await clearSocketPath(address.path);
  // The umask makes the socket 0660 from its creation; chmod/chown pin mode and owner whatever the umask was.
  const umask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  await chmod(address.path, 0o660);
  if (process.getuid?.() === 0) await chown(address.path, 0, 0);
}
