// The HTTP side of the remote engine: one keep-alive connection pool to a
// Docker Engine API daemon, API version negotiation the way the docker CLI
// does it, JSON requests, error statuses mapped back to GantryError codes,
// newline-JSON streams and hijacked connections (attach, exec start).
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { GantryError, invalidArgument, unavailable, type ErrorCode } from '../../errdefs/index.js';

import { ENGINE_API_VERSION } from '../version.js';

/** The newest API version this client speaks (the engine's own); older daemons get their own. */
export const CLIENT_API_VERSION = ENGINE_API_VERSION;
/** What a daemon that sends no Api-Version header is assumed to speak (docker's client does the same). */
const FALLBACK_API_VERSION = '1.24';

export type Endpoint = { socketPath: string } | { host: string; port: number };

/** DOCKER_HOST syntax: unix:///path, tcp://host[:port] (2375 by default), http://host[:port]. */
export function parseHost(host: string): Endpoint {
  const m = /^([a-z]+):\/\/(.*)$/.exec(host);
  if (!m) throw invalidArgument(`unable to parse docker host \`${host}\``);
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'unix') {
    if (!rest.startsWith('/')) throw invalidArgument(`unable to parse docker host \`${host}\``);
    return { socketPath: rest };
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const url = new URL(`http://${rest}`);
    if (!url.hostname) throw invalidArgument(`unable to parse docker host \`${host}\``);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 2375 };
  }
  throw invalidArgument(`protocol not available: ${scheme} (in docker host \`${host}\`)`);
}

/** min(a, b) for "MAJOR.MINOR" versions. */
export function minVersion(a: string, b: string): string {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn) ? a : b;
}

/** The API version to use against a daemon that reported `daemonVersion` (undefined: none). */
export function negotiateVersion(daemonVersion: string | undefined): string {
  return daemonVersion && /^\d+\.\d+$/.test(daemonVersion) ? minVersion(CLIENT_API_VERSION, daemonVersion) : FALLBACK_API_VERSION;
}

const STATUS_CODE: Record<number, ErrorCode> = {
  400: 'invalid-argument',
  401: 'unauthorized',
  403: 'permission-denied',
  404: 'not-found',
  409: 'conflict',
  501: 'not-implemented',
  503: 'unavailable',
};

/** The GantryError for an error response: the daemon's {"message"} (or its text) under the status's code. */
export function errorFromResponse(status: number, body: string): GantryError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: a proxy's or an old daemon's plain-text error
  }
  return new GantryError(STATUS_CODE[status] ?? 'internal', message || `request failed with status ${status}`);
}

type QueryValue = string | number | boolean | undefined | null | string[];
export type Query = Record<string, QueryValue>;

/** docker's query encoding: true as 1, false as 0, arrays as repeated keys, undefined left out. */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Unix seconds as docker's since/until parameters: "sec.nanoseconds" with nine
 * digits, as the daemon reads the part after the dot as a count of nanoseconds.
 */
export function dockerTimestamp(seconds: number | undefined): string | undefined {
  if (!seconds) return undefined;
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return nanos ? `${whole}.${String(Math.min(nanos, 999_999_999)).padStart(9, '0')}` : String(whole);
}

/** A path segment that keeps image references readable (slashes, colons and @ stay as the docker CLI sends them). */
export const pathPart = (s: string) => encodeURIComponent(s).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');

export interface RequestSpec {
  query?: Query;
  /** A JSON body (serialized), or a stream sent as is (tar uploads). */
  json?: unknown;
  body?: Readable;
  contentType?: string;
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** Statuses returned to the caller instead of thrown (304 for start/stop). */
  accept?: number[];
}

export interface Hijacked {
  /** The process's output: the raw socket after a 101, the response body after a plain 200. */
  output: Readable;
  /** Output the daemon sent together with its response head. */
  head: Buffer;
  /** The connection: stdin is written to it, end() half-closes it. */
  socket: Duplex;
  /** application/vnd.docker.raw-stream or .multiplexed-stream when the daemon says which. */
  contentType: string | undefined;
}

export interface Negotiated {
  /** The version in every request's /vX.Y prefix. */
  apiVersion: string;
  /** The ping's headers: Api-Version, Ostype, ... */
  headers: IncomingHttpHeaders;
}

export class Transport {
  private readonly endpoint: Endpoint;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private version?: Promise<Negotiated>;

  constructor(readonly host: string) {
    this.endpoint = parseHost(host);
  }

  /** The API version every other request uses: from the first ping, made once. */
  negotiated(): Promise<Negotiated> {
    if (!this.version) {
      const negotiating = this.sendPing();
      // A failed ping (daemon down) is retried by the next call rather than remembered.
      negotiating.catch(() => {
        if (this.version === negotiating) this.version = undefined;
      });
      this.version = negotiating;
    }
    return this.version;
  }

  /** A fresh ping (system.ping is a liveness check); the first one also settles the negotiation. */
  async ping(): Promise<Negotiated> {
    const result = await this.sendPing();
    this.version ??= Promise.resolve(result);
    return result;
  }

  /** HEAD /_ping, then GET when the daemon refuses HEAD, as the docker CLI does. */
  private async sendPing(): Promise<Negotiated> {
    let res = await this.send('HEAD', '/_ping', {});
    if (res.statusCode !== 200 && !res.headers['api-version']) {
      res.resume();
      res = await this.send('GET', '/_ping', {});
    }
    if ((res.statusCode ?? 500) >= 400 && !res.headers['api-version']) throw await errorOf(res);
    res.resume();
    return { apiVersion: negotiateVersion(headerValue(res.headers['api-version'])), headers: res.headers };
  }

  /** A request under the negotiated /vX.Y prefix; error statuses thrown as GantryErrors. */
  async request(method: string, path: string, spec: RequestSpec = {}): Promise<IncomingMessage> {
    const { apiVersion } = await this.negotiated();
    const res = await this.send(method, `/v${apiVersion}${path}`, spec);
    const status = res.statusCode ?? 500;
    if (status >= 300 && !spec.accept?.includes(status)) throw await errorOf(res);
    return res;
  }

  /** A request whose response body is JSON (undefined when empty). */
  async json<T>(method: string, path: string, spec: RequestSpec = {}): Promise<T> {
    const res = await this.request(method, path, spec);
    const text = await readText(res);
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** A request whose response body is ignored (204s). Returns the status. */
  async call(method: string, path: string, spec: RequestSpec = {}): Promise<number> {
    const res = await this.request(method, path, spec);
    res.resume();
    await new Promise((r) => res.once('close', r));
    return res.statusCode ?? 0;
  }

  /**
   * Takes over a connection for attach and exec start, asking for Upgrade: tcp
   * as the docker CLI does; a daemon may answer 101 (the socket is ours) or a
   * plain 200 (the body is the output, the socket still takes stdin).
   */
  async hijack(method: string, path: string, spec: RequestSpec = {}): Promise<Hijacked> {
    const { apiVersion } = await this.negotiated();
    return new Promise((resolve, reject) => {
      const body = spec.json === undefined ? undefined : Buffer.from(JSON.stringify(spec.json));
      const req = httpRequest({
        ...this.target(),
        // Its own connection: a hijacked socket never goes back to the pool.
        agent: false,
        method,
        path: `/v${apiVersion}${path}${encodeQuery(spec.query)}`,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'tcp',
          ...(body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {}),
        },
      });
      req.once('error', (err) => reject(connectError(this.host, err)));
      req.once('upgrade', (res, socket, head) => {
        socket.setTimeout(0);
        resolve({ output: socket, head, socket, contentType: headerValue(res.headers['content-type']) });
      });
      req.once('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status >= 300) {
          errorOf(res).then(reject, reject);
          return;
        }
        // No upgrade: output is the response body, stdin goes to the same socket.
        resolve({ output: res, head: Buffer.alloc(0), socket: res.socket, contentType: headerValue(res.headers['content-type']) });
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private target(): RequestOptions {
    return 'socketPath' in this.endpoint ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port };
  }

  private send(method: string, path: string, spec: RequestSpec): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { ...spec.headers };
      let payload: Buffer | undefined;
      if (spec.json !== undefined) {
        payload = Buffer.from(JSON.stringify(spec.json));
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      } else if (spec.body) {
        headers['Content-Type'] = spec.contentType ?? 'application/x-tar';
      }
      const { signal } = spec;
      if (signal?.aborted) return reject(signal.reason);
      const req = httpRequest({ ...this.target(), agent: this.agent, method, path: path + encodeQuery(spec.query), headers });
      // The signal ends the exchange without an error: node's own signal option
      // destroys the pooled socket with an AbortError nobody listens for, once a
      // response is being read (a stats or events stream ended early).
      const onAbort = () => {
        reject(signal!.reason);
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal?.removeEventListener('abort', onAbort));
      req.once('error', (err) => reject(signal?.aborted ? err : connectError(this.host, err)));
      req.once('response', resolve);
      if (spec.body) {
        spec.body.once('error', (err) => req.destroy(err));
        spec.body.pipe(req);
      } else req.end(payload);
    });
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function readText(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function errorOf(res: IncomingMessage): Promise<GantryError> {
  return errorFromResponse(res.statusCode ?? 500, await readText(res).catch(() => ''));
}

/** docker's wording when the daemon cannot be reached, so scripts matching it keep working. */
function connectError(host: string, err: Error & { code?: string }): GantryError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') {
    return unavailable(`Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`, err);
  }
  return unavailable(`error during connect: ${err.message}`, err);
}
