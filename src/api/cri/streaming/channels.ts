// The Kubernetes channel protocols over WebSocket (k8s.io/apimachinery wsstream):
// each message's first byte is its channel; the base64 variants send text
// messages with the channel as an ASCII digit and the data base64-encoded.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptKey, WebSocket } from './websocket.js';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5: the client closed a channel (the next byte names it); stdin's EOF. */
export const CLOSE = 255;

/** What a negotiated subprotocol means to the handlers. */
export interface ChannelProtocol {
  name: string;
  base64: boolean;
  /** v4+: the error channel carries a JSON metav1.Status (before v4: plain text, nothing on success). */
  statusJSON: boolean;
  /** v5: channel 255 closes a channel (SPDY: the stdin stream's FIN is delivered so). */
  closeSignal: boolean;
}

/** What exec and attach need of a transport: numbered channels both ways. */
export interface Channels {
  readonly protocol: ChannelProtocol;
  /** False when the peer is slow: wait for onDrain before sending more. */
  send(channel: number, data: Buffer): boolean;
  onDrain(fn: () => void): void;
  onData(fn: (channel: number, data: Buffer) => void): void;
  /** Called once the client is gone. */
  onClose(fn: () => void): void;
  close(): void;
}

const protocol = (name: string, base64: boolean, statusJSON: boolean, closeSignal: boolean): ChannelProtocol => ({ name, base64, statusJSON, closeSignal });

/** exec and attach (kubelet's remotecommand websocket); "" is a client that names none. */
export const REMOTE_COMMAND_PROTOCOLS = [
  protocol('v5.channel.k8s.io', false, true, true),
  protocol('v4.channel.k8s.io', false, true, false),
  protocol('v4.base64.channel.k8s.io', true, true, false),
  protocol('channel.k8s.io', false, false, false),
  protocol('base64.channel.k8s.io', true, false, false),
  protocol('', false, false, false),
];

/** port-forward (kubelet's portforward websocket); portforward.k8s.io is the SPDY name, taken as binary. */
export const PORT_FORWARD_PROTOCOLS = [
  protocol('v4.channel.k8s.io', false, true, false),
  protocol('v4.base64.channel.k8s.io', true, true, false),
  protocol('portforward.k8s.io', false, true, false),
  protocol('', false, true, false),
];

/** A WebSocket carrying numbered channels. */
export class ChannelStream implements Channels {
  constructor(
    readonly ws: WebSocket,
    readonly protocol: ChannelProtocol,
  ) {}

  send(channel: number, data: Buffer): boolean {
    if (this.protocol.base64) return this.ws.send(Buffer.from(String.fromCharCode(48 + channel) + data.toString('base64')), false);
    return this.ws.send(Buffer.concat([Buffer.of(channel), data]));
  }

  onDrain(fn: () => void): void {
    this.ws.onDrain(fn);
  }

  onData(fn: (channel: number, data: Buffer) => void): void {
    this.ws.onMessage((m) => {
      if (m.data.length === 0) return;
      if (this.protocol.base64) fn(m.data[0]! - 48, Buffer.from(m.data.subarray(1).toString(), 'base64'));
      else fn(m.data[0]!, m.data.subarray(1));
    });
  }

  onClose(fn: () => void): void {
    this.ws.onClose(fn);
  }

  close(): void {
    this.ws.close(1000);
  }
}

/**
 * Completes the WebSocket handshake with the first subprotocol the client offers
 * that `supported` has (the client's order, as wsstream picks), or answers 400.
 */
export function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, supported: ChannelProtocol[]): ChannelStream | undefined {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    reject(socket, 400, 'a WebSocket version 13 handshake is required');
    return undefined;
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const wanted = offered.length ? offered : [''];
  const chosen = wanted.map((name) => supported.find((p) => p.name === name)).find((p) => p !== undefined);
  if (!chosen) {
    reject(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.map((p) => p.name).filter(Boolean).join(' ')}]`);
    return undefined;
  }
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  if (chosen.name) lines.push(`Sec-WebSocket-Protocol: ${chosen.name}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return new ChannelStream(new WebSocket(socket, 'server', head), chosen);
}

/** A plain HTTP answer on a socket the HTTP server handed over for an upgrade. */
export function reject(socket: Duplex, status: number, message: string): void {
  const reason = status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : 'Error';
  const body = message + '\n';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
