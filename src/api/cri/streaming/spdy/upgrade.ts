// The SPDY/3.1 upgrade as the kubelet's streaming server answers it: the
// client names the Kubernetes protocols it speaks in X-Stream-Protocol-Version
// (first the one it prefers), the server picks the first it supports and names
// it in the 101. A client that names none is an old one: it gets the legacy
// protocol and no header back.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { reject } from '../channels.js';
import { SpdySession } from './session.js';

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').trim().toLowerCase() === 'spdy/3.1';
}

/** The opened session and the protocol chosen, or undefined once the client was answered with an error. */
export function upgradeSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[], legacy: string): { session: SpdySession; protocol: string } | undefined {
  const tokens = (name: string) => (req.headersDistinct[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (!tokens('connection').some((t) => t.toLowerCase() === 'upgrade')) {
    reject(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const offered = tokens('x-stream-protocol-version');
  const protocol = offered.length ? offered.find((p) => supported.includes(p)) : legacy;
  if (protocol === undefined) {
    reject(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`);
    return undefined;
  }
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1'];
  if (offered.length) lines.push(`X-Stream-Protocol-Version: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return { session: new SpdySession(socket, head), protocol };
}
