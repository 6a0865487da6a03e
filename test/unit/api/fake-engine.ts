// A fake Engine for the API server's unit tests: the parts a test gives, the
// rest throwing not-implemented like the unimplemented local parts. And a
// server on a temporary unix socket with a raw HTTP client for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { ContainersAPI, Engine, ExecAPI, SystemAPI } from '../../../src/engine/api.js';
import { notImplemented } from '../../../src/errdefs/index.js';
import { createDockerApiServer, type DockerApiServer } from '../../../src/api/docker/server.js';
import { listenOn } from '../../../src/api/docker/listen.js';
import type { Route } from '../../../src/api/docker/route.js';

export interface FakeParts {
  containers?: Partial<ContainersAPI>;
  exec?: Partial<ExecAPI>;
  system?: Partial<SystemAPI>;
}

/** Every method throws not-implemented naming itself. */
function unimplemented<T extends object>(part: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => (typeof prop === 'string' && prop !== 'then' ? () => Promise.reject(notImplemented(`${part}.${prop} is not implemented`)) : undefined),
  });
}

function withFallback<T extends object>(part: string, given: Partial<T> | undefined): T {
  const rest = unimplemented<T>(part);
  return new Proxy((given ?? {}) as T, { get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : (rest as Record<string | symbol, unknown>)[p]) });
}

export function fakeEngine(parts: FakeParts = {}): Engine {
  return {
    location: { kind: 'local', root: '/nonexistent', runroot: '/nonexistent' },
    containers: withFallback('containers', parts.containers),
    exec: withFallback('exec', parts.exec),
    images: unimplemented('images'),
    networks: unimplemented('networks'),
    volumes: unimplemented('volumes'),
    system: withFallback('system', parts.system),
    close: async () => undefined,
  };
}

export interface TestServer {
  socketPath: string;
  api: DockerApiServer;
  close(): Promise<void>;
}

export async function startServer(engine: Engine, routes?: Route[]): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-api-'));
  const socketPath = join(dir, 'api.sock');
  const api = createDockerApiServer({ engine, ...(routes ? { routes } : {}) });
  await listenOn(api.server, { kind: 'unix', path: socketPath });
  return {
    socketPath,
    api,
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export function call(socketPath: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: { ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends a raw request on a fresh connection and resolves with the socket once the response head arrived. */
export function rawRequest(socketPath: string, head: string, body = ''): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(head + body);
  });
}

/** Reads a socket to its end. */
export function readAll(socket: Socket, initial: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks = [initial];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.resume();
  });
}
