// The RouteContext a handler gets (route.ts): body and query parsing, and the
// ways to answer: JSON, empty, a newline-JSON stream, or a hijacked connection.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../engine/api.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { RouteContext } from './route.js';
import { boolParam, filtersParam, intParam } from './query.js';
import { hijackPlain, hijackUpgraded } from './hijack.js';

/** The bare socket node gave for an `Upgrade: tcp` request, with the bytes read past its headers. */
export interface UpgradedConnection {
  socket: Socket;
  /** What the client sent after the request head: after the body is read, the stream's first input. */
  head: Buffer;
  /** The request body, read off the socket before dispatch so it never reaches the process as input. */
  body?: Buffer;
}

export class HttpRouteContext implements RouteContext {
  /** Set once the handler took the connection over: errors can no longer be answered with a status. */
  hijacked = false;

  constructor(
    readonly engine: Engine,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Record<string, string>,
    readonly query: URLSearchParams,
    readonly version: string,
    private readonly upgraded: UpgradedConnection | undefined,
  ) {}

  async json<T = unknown>(): Promise<T> {
    const text = (this.upgraded ? (this.upgraded.body ?? Buffer.alloc(0)) : await readBody(this.req)).toString('utf8');
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw invalidArgument(`invalid JSON body: ${(err as Error).message}`);
    }
  }

  bool(name: string, dflt?: boolean): boolean {
    return boolParam(this.query, name, dflt);
  }

  int(name: string): number | undefined {
    return intParam(this.query, name);
  }

  filters(): Record<string, string[]> {
    return filtersParam(this.query);
  }

  send(value: unknown, status = 200): void {
    const body = JSON.stringify(value) + '\n';
    this.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  empty(status = 204): void {
    this.res.writeHead(status);
    this.res.end();
  }

  stream(contentType = 'application/json'): { write(value: unknown): void; end(): void; readonly closed: AbortSignal } {
    const res = this.res;
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    const closed = clientGone(res);
    return {
      write: (value: unknown) => {
        if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(value) + '\n');
      },
      end: () => {
        if (!res.writableEnded) res.end();
      },
      closed,
    };
  }

  hijack(multiplexed: boolean): Duplex {
    this.hijacked = true;
    if (this.upgraded) return hijackUpgraded(this.upgraded.socket, this.upgraded.head, multiplexed);
    return hijackPlain(this.req, this.res, multiplexed);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An upgrade request's body (exec start's JSON) is not parsed by node: it is
 * the first Content-Length bytes after the headers, in `head` and the socket.
 * What follows it stays for the hijacked stream.
 */
export function readUpgradedBody(req: IncomingMessage, conn: UpgradedConnection): Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  return new Promise((resolve, reject) => {
    let buf = conn.head;
    const settle = () => {
      if (buf.length < length) return false;
      conn.head = buf.subarray(length);
      resolve(buf.subarray(0, length));
      return true;
    };
    if (settle()) return;
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!settle()) return;
      conn.socket.off('data', onData);
      conn.socket.off('end', onEnd);
      conn.socket.pause();
    };
    const onEnd = () => reject(invalidArgument('the request body ended early'));
    conn.socket.on('data', onData);
    conn.socket.once('end', onEnd);
  });
}

/** Aborts when the response's connection closes (the client went away, or the response ended). */
export function clientGone(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  if (res.destroyed) ac.abort();
  else res.once('close', () => ac.abort());
  return ac.signal;
}
