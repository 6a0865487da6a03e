// The CRI streaming server: the Exec, Attach and PortForward RPCs register
// their request here and return a single-use URL; the kubelet (or the API
// server's proxy) opens it with an upgrade: SPDY/3.1 with one stream per
// channel (spdy/), or a WebSocket with the Kubernetes channel protocol.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../../engine/api.js';
import { invalidArgument } from '../../../errdefs/index.js';
import { PORT_FORWARD_PROTOCOLS, REMOTE_COMMAND_PROTOCOLS, reject, upgrade } from './channels.js';
import { portsOf, servePortForward, type PortForwardRequest } from './port-forward.js';
import { serveAttach, serveExec, type AttachRequest, type ExecRequest } from './remote-command.js';
import { serveSpdyPortForward } from './spdy/port-forward.js';
import { serveSpdyRemoteCommand } from './spdy/remote-command.js';
import { isSpdyUpgrade } from './spdy/upgrade.js';
import { TokenCache } from './tokens.js';

export type { AttachRequest, ExecRequest } from './remote-command.js';
export type { PortForwardRequest } from './port-forward.js';

export interface StreamingServerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port, chosen at start. */
  port?: number;
  /** The host the URLs name, when the listen address is not what clients reach (0.0.0.0). */
  advertiseHost?: string;
  /** How long a returned URL stays valid; default one minute, as the kubelet's. */
  tokenTtlMs?: number;
  /** Requests not yet opened, at most; default 1000. */
  maxPending?: number;
  /** The clock for token expiry (tests). */
  now?: () => number;
}

type Pending = { kind: 'exec'; req: ExecRequest } | { kind: 'attach'; req: AttachRequest } | { kind: 'portforward'; req: PortForwardRequest };

export class StreamingServer {
  private readonly tokens: TokenCache<Pending>;
  private readonly sockets = new Set<Duplex>();

  private constructor(
    private readonly engine: Engine,
    private readonly http: Server,
    /** http://host:port, without a trailing slash. */
    readonly baseUrl: string,
    opts: StreamingServerOptions,
  ) {
    this.tokens = new TokenCache(opts.tokenTtlMs ?? 60_000, opts.maxPending ?? 1000, opts.now);
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.track(socket) && this.open(req, socket, head));
    http.on('request', (req, res) => {
      const pending = this.take(req);
      res.writeHead(pending ? 400 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(pending ? 'a SPDY/3.1 or WebSocket upgrade is required\n' : 'not found\n');
    });
  }

  static async start(engine: Engine, opts: StreamingServerOptions = {}): Promise<StreamingServer> {
    const http = createServer();
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, host, () => resolve());
    });
    const { port } = http.address() as AddressInfo;
    const urlHost = opts.advertiseHost ?? host;
    return new StreamingServer(engine, http, `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`, opts);
  }

  /** ExecResponse.url for a CRI ExecRequest. */
  exec(req: ExecRequest): { url: string } {
    if (!req.cmd.length) throw invalidArgument('cmd must not be empty');
    checkStreams(req);
    return this.register({ kind: 'exec', req });
  }

  /** AttachResponse.url for a CRI AttachRequest. */
  attach(req: AttachRequest): { url: string } {
    checkStreams(req);
    return this.register({ kind: 'attach', req });
  }

  /** PortForwardResponse.url for a CRI PortForwardRequest. */
  portForward(req: PortForwardRequest): { url: string } {
    if (!req.pod_sandbox_id) throw invalidArgument('missing required pod_sandbox_id');
    return this.register({ kind: 'portforward', req });
  }

  /** Stops listening and drops every open stream. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private register(p: Pending): { url: string } {
    return { url: `${this.baseUrl}/${p.kind}/${this.tokens.insert(p)}` };
  }

  private track(socket: Duplex): true {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return true;
  }

  /** The pending request the path /{kind}/{token} names, consumed; undefined for any other path. */
  private take(req: IncomingMessage): Pending | undefined {
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m || req.method !== 'GET') return undefined;
    const pending = this.tokens.consume(m[2]!);
    return pending?.kind === m[1] ? pending : undefined;
  }

  private open(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const pending = this.take(req);
    if (!pending) return reject(socket, 404, 'not found');
    if (isSpdyUpgrade(req)) {
      // Over SPDY the ports come with the streams, not in the query.
      if (pending.kind === 'portforward') serveSpdyPortForward(this.engine, pending.req, req, socket, head);
      else serveSpdyRemoteCommand(this.engine, pending, req, socket, head);
      return;
    }
    if (pending.kind === 'portforward') {
      const ports = portsOf(new URL(req.url ?? '/', 'http://x').searchParams, pending.req);
      if (typeof ports === 'string') return reject(socket, 400, ports);
      const stream = upgrade(req, socket, head, PORT_FORWARD_PROTOCOLS);
      if (stream) void servePortForward(this.engine, pending.req, ports, stream);
      return;
    }
    const stream = upgrade(req, socket, head, REMOTE_COMMAND_PROTOCOLS);
    if (!stream) return;
    if (pending.kind === 'exec') void serveExec(this.engine, pending.req, stream);
    else void serveAttach(this.engine, pending.req, stream);
  }
}

/** The kubelet's checks on exec and attach requests. */
function checkStreams(req: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): void {
  if (req.tty && req.stderr) throw invalidArgument('tty and stderr cannot both be true');
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
}

/** The one call for the CRI server: a started streaming server for the Exec, Attach and PortForward RPCs. */
export function createStreamingServer(engine: Engine, opts?: StreamingServerOptions): Promise<StreamingServer> {
  return StreamingServer.start(engine, opts);
}
