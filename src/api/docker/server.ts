// The Docker Engine API server: node:http on a unix socket (or tcp), one
// Engine behind it. Every response carries dockerd's identity headers; a
// thrown GantryError becomes its HTTP status with {"message": ...}; an
// unknown path is 404 "page not found". Connections stay open as long as the
// client keeps them (no idle or request timeouts: logs -f, events and attach
// run for as long as they run).
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Engine } from '../../engine/api.js';
import { httpStatus, notFound } from '../../errdefs/index.js';
import { ENGINE_VERSION } from '../../engine/version.js';
import { MAX_API_VERSION, checkApiVersion, compareVersions } from './api-version.js';
import { HttpRouteContext, readUpgradedBody, type UpgradedConnection } from './context.js';
import type { Route } from './route.js';
import { Router } from './router.js';
import { allRoutes } from './routes/index.js';

export interface DockerApiServerOptions {
  engine: Engine;
  /** Defaults to every resource's routes. */
  routes?: readonly Route[];
  /** Called for 5xx failures (the daemon logs them, as dockerd does). */
  logError?: (err: unknown, req: IncomingMessage) => void;
}

/** dockerd's headers on every response. */
export function setIdentityHeaders(res: ServerResponse): void {
  res.setHeader('Api-Version', MAX_API_VERSION);
  res.setHeader('Server', `Docker/${ENGINE_VERSION} (linux)`);
  res.setHeader('Ostype', 'linux');
  res.setHeader('Docker-Experimental', 'false');
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export interface DockerApiServer {
  readonly server: Server;
  /** Stops accepting and ends every connection, hijacked ones too. */
  close(): Promise<void>;
}

export function createDockerApiServer(opts: DockerApiServerOptions): DockerApiServer {
  const router = new Router(opts.routes ?? allRoutes);
  const upgradedSockets = new Set<Socket>();

  async function dispatch(req: IncomingMessage, res: ServerResponse, upgraded?: UpgradedConnection): Promise<void> {
    setIdentityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://docker');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match) return sendError(res, 404, 'page not found');
    const version = match.version ?? MAX_API_VERSION;
    const ctx = new HttpRouteContext(opts.engine, req, res, match.params, url.searchParams, version, upgraded);
    try {
      if (match.version !== undefined) checkApiVersion(version);
      const min = match.route.minVersion;
      if (min && compareVersions(version, min) < 0) throw notFound('page not found');
      await match.route.handler(ctx);
    } catch (err) {
      const status = httpStatus(err);
      if (status >= 500) opts.logError?.(err, req);
      if (ctx.hijacked) {
        (upgraded?.socket ?? res).destroy();
      } else if (res.headersSent) {
        // A stream already under way: the client sees it cut short.
        res.destroy();
      } else {
        sendError(res, status, err instanceof Error ? err.message : String(err));
      }
    }
  }

  const server = createServer((req, res) => void dispatch(req, res));
  // A response's socket lives until the client closes it, as dockerd's do.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.timeout = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgradedSockets.add(socket);
    socket.once('close', () => upgradedSockets.delete(socket));
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'tcp') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    // A response object over the bare socket for the answers before the hijack (404, 409, ...).
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => socket.end());
    // dockerode sends attach options as a JSON body too: it is the request's, not the container's stdin (dockerd drops it).
    const conn: UpgradedConnection = { socket, head };
    readUpgradedBody(req, conn).then(
      (body) => {
        conn.body = body;
        void dispatch(req, res, conn);
      },
      () => socket.destroy(),
    );
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy(err);
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        upgradedSockets.forEach((s) => s.destroy());
      }),
  };
}
