// A Docker API server over a fake Engine on a temp unix socket, for the route
// translation tests: the fake records each engine call; methods a test does
// not give throw not-implemented (the server's 501).
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../../../src/engine/api.js';
import { notImplemented } from '../../../src/errdefs/index.js';
import { createDockerApiServer } from '../../../src/api/docker/server.js';
import type { Route } from '../../../src/api/docker/route.js';

type Part = 'containers' | 'exec' | 'images' | 'networks' | 'volumes' | 'system';
type Overrides = { [P in Part]?: Partial<Engine[P]> };

export interface EngineCall {
  method: string;
  args: unknown[];
}

function fakePart(part: Part, given: Record<string, unknown> | undefined, calls: EngineCall[]): never {
  return new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name !== 'string') return undefined;
        const fn = given?.[name];
        return (...args: unknown[]) => {
          calls.push({ method: `${part}.${name}`, args });
          if (typeof fn !== 'function') throw notImplemented(`fake engine: ${part}.${name}`);
          return (fn as (...a: unknown[]) => unknown)(...args);
        };
      },
    },
  ) as never;
}

export function fakeEngine(overrides: Overrides): { engine: Engine; calls: EngineCall[] } {
  const calls: EngineCall[] = [];
  const parts: Part[] = ['containers', 'exec', 'images', 'networks', 'volumes', 'system'];
  const engine = Object.fromEntries(parts.map((p) => [p, fakePart(p, overrides[p] as Record<string, unknown> | undefined, calls)])) as unknown as Engine;
  return { engine: { ...engine, location: { kind: 'remote', host: 'fake' }, close: async () => undefined }, calls };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json(): unknown;
  /** The body as newline-delimited JSON values. */
  lines(): unknown[];
}

export interface TestServer {
  calls: EngineCall[];
  socketPath: string;
  call(method: string, path: string, opts?: { body?: string | Buffer | Readable; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startServer(routes: readonly Route[], overrides: Overrides): Promise<TestServer> {
  const { engine, calls } = fakeEngine(overrides);
  const dir = mkdtempSync(join(tmpdir(), 'gantry-routes-'));
  const socketPath = join(dir, 'api.sock');
  const api = createDockerApiServer({ engine, routes });
  await new Promise<void>((resolve) => api.server.listen(socketPath, resolve));
  return {
    calls,
    socketPath,
    call: (method, path, opts = {}) =>
      new Promise<Reply>((resolve, reject) => {
        const req = request({ socketPath, method, path, headers: opts.headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            const text = body.toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              text,
              json: () => JSON.parse(text),
              lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)),
            });
          });
        });
        req.on('error', reject);
        const body = opts.body;
        if (body === undefined) req.end();
        else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
        else body.pipe(req);
      }),
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
