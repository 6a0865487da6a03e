// A distribution-spec client for one registry: endpoint discovery (HTTPS, or
// plain HTTP where allowed), Basic and Bearer-token auth with a per-scope token
// cache, retries with back-off, and redirects that never carry credentials to
// another host. Higher levels (pull, push) speak in manifests and blobs.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { GantryError, invalidArgument, unauthorized, unavailable } from '../../errdefs/index.js';
import { registryHost } from '../../oci/reference.js';
import { parseWWWAuthenticate, type AuthChallenge } from './challenge.js';
import { isInsecureRegistry, loadTlsMaterial, type RegistryConfig, type TlsMaterial } from './config.js';
import { describeErrors, errorFromResponse, parseRegistryErrors, readBody, RegistryError } from './errors.js';
import type { RegistryHost } from './hosts.js';

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** OAuth2 refresh token from a previous login (docker's "identitytoken"). */
  identityToken?: string;
  /** A ready bearer token, used as is. */
  registryToken?: string;
}

export interface RegistryClientOptions {
  config?: RegistryConfig;
  /** Credentials, or a lookup run once when the registry first asks for them. */
  auth?: RegistryAuth | (() => Promise<RegistryAuth | undefined>);
  signal?: AbortSignal;
  /** Attempts per request for network errors, 5xx and 429 (default 5). */
  attempts?: number;
  /** A host from hosts.toml (a mirror, or the configured server): its URL, TLS and headers instead of discovery. */
  host?: RegistryHost;
}

export interface RequestOptions {
  /** Token scopes the request needs, e.g. ["repository:library/busybox:pull"]. */
  scopes?: string[];
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  /** Statuses returned to the caller instead of raising (2xx always are). */
  accept?: number[];
  /** Follow 3xx (blobs may redirect to a CDN). */
  followRedirects?: boolean;
}

interface Endpoint {
  base: URL;
  /** Where /v2 paths go: "/v2", or a hosts.toml host's own path. */
  apiPrefix: string;
  agent: http.Agent;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const RETRYABLE_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 10_000;

let trustedCAs: string[] | undefined;

/**
 * The system's CA bundle plus the file NODE_EXTRA_CA_CERTS named: bin/gantry
 * moves that variable to GANTRY_EXTRA_CA_CERTS because Node parses it at every
 * start-up (~60 ms), and only TLS connections to registries need it.
 */
function systemCAs(): string[] {
  if (trustedCAs) return trustedCAs;
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const system = read('/etc/ssl/certs/ca-certificates.crt');
  const extraPath = process.env.GANTRY_EXTRA_CA_CERTS;
  const extra = extraPath && extraPath !== '/etc/ssl/certs/ca-certificates.crt' ? read(extraPath) : undefined;
  trustedCAs = [...(system === undefined ? rootCertificates : [system]), ...(extra === undefined ? [] : [extra])];
  return trustedCAs;
}

export function isRetryableNetworkError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return RETRYABLE_NET.has(e?.code ?? '') || /socket hang up|aborted/i.test(e?.message ?? '');
}

function looksLikePlainHttp(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'EPROTO' || /wrong version number|packet length too long|ERR_SSL/i.test(`${e?.code} ${e?.message}`);
}

function backoff(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 3000);
}

function retryAfterMs(res: IncomingMessage): number | undefined {
  const v = res.headers['retry-after'];
  if (!v) return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.min(ms, MAX_RETRY_AFTER_MS)) : undefined;
}

function send(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer | undefined,
  agent: http.Agent,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent, signal }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

export class RegistryClient {
  /** The domain as referenced (docker.io) and the host actually contacted. */
  readonly host: string;
  private endpoint?: Promise<Endpoint>;
  private challenge?: AuthChallenge;
  private authResolved?: Promise<RegistryAuth | undefined>;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly agents: http.Agent[] = [];
  private readonly attempts: number;

  constructor(
    readonly domain: string,
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.host = opts.host ? opts.host.url.host : registryHost(domain);
    this.attempts = opts.attempts ?? 5;
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }

  /** GET /v2/: discovers the scheme and how the registry wants to be authenticated. */
  ping(): Promise<Endpoint> {
    this.endpoint ??= this.discover();
    return this.endpoint;
  }

  /** Verifies credentials (for `login`): the registry must accept them for an empty scope. */
  async checkLogin(): Promise<void> {
    const ep = await this.ping();
    const auth = await this.auth();
    if (!this.challenge) return;
    if (!auth?.username && !auth?.identityToken) throw unauthorized(`login to ${this.host}: no credentials given`);
    if (this.challenge.scheme === 'bearer') {
      await this.fetchToken([]);
      return;
    }
    const authorization = await this.authorization([]);
    const res = await this.withRetries('GET', this.at(ep, '/v2/'), { authorization }, undefined, ep.agent, true);
    if (res.statusCode === 401) {
      res.resume();
      throw unauthorized(`login to ${this.host}: unauthorized: incorrect username or password`);
    }
    if ((res.statusCode ?? 0) >= 300) throw await errorFromResponse(res, `login to ${this.host}`);
    res.resume();
  }

  /** Absolute URL for a path on this registry (or an upload Location, which may be absolute). */
  async url(pathOrLocation: string): Promise<URL> {
    return this.at(await this.ping(), pathOrLocation);
  }

  /** /v2/... paths under the endpoint's API prefix (with ?ns=<registry> on a mirror, as containerd sends). */
  private at(ep: Endpoint, pathOrLocation: string): URL {
    if (!pathOrLocation.startsWith('/v2/')) return new URL(pathOrLocation, ep.base);
    const url = new URL(ep.apiPrefix + pathOrLocation.slice(3), ep.base);
    if (this.opts.host?.mirror) url.searchParams.set('ns', this.domain);
    return url;
  }

  /** Issues a request with auth, retries and optional redirects; raises registry errors. */
  async request(method: string, pathOrUrl: string | URL, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const ep = await this.ping();
    let url = typeof pathOrUrl === 'string' ? this.at(ep, pathOrUrl) : pathOrUrl;
    const scopes = opts.scopes ?? [];
    let authHeader = await this.authorization(scopes);
    let retriedAuth = false;
    let onRegistryHost = true;
    for (let redirects = 0; ; ) {
      const headers: OutgoingHttpHeaders = onRegistryHost ? { ...this.opts.host?.headers, ...opts.headers } : { ...opts.headers };
      if (authHeader && onRegistryHost) headers.authorization = authHeader;
      const agent = url.origin === ep.base.origin ? ep.agent : this.agentFor(url);
      const res = await this.withRetries(method, url, headers, opts.body, agent, method === 'GET' || method === 'HEAD');
      const status = res.statusCode ?? 0;
      if (status === 401 && onRegistryHost && !retriedAuth) {
        // A fresh challenge (another scope, an expired token) earns one more try.
        retriedAuth = true;
        const challenges = parseWWWAuthenticate(res.headers['www-authenticate']);
        const bearer = challenges.find((c) => c.scheme === 'bearer');
        if (bearer && this.challenge?.scheme === 'bearer') {
          res.resume();
          const extra = bearer.params.scope ? bearer.params.scope.split(' ') : [];
          this.tokens.delete(scopeKey(scopes));
          authHeader = `Bearer ${await this.fetchToken([...new Set([...scopes, ...extra])], true)}`;
          continue;
        }
      }
      if (opts.followRedirects && [301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        if (++redirects > MAX_REDIRECTS) throw unavailable(`${method} ${url}: too many redirects`);
        const next = new URL(res.headers.location, url);
        if (next.host !== url.host) onRegistryHost = false; // never leak credentials to a CDN
        url = next;
        continue;
      }
      if ((status >= 200 && status < 300) || opts.accept?.includes(status)) return res;
      if (status === 401) {
        const err = await errorFromResponse(res, `${method} ${url}`);
        const auth = await this.auth();
        const hint = auth?.username || auth?.identityToken || auth?.registryToken ? '' : ' (no credentials: run gantry login)';
        throw new RegistryError(401, err.details, `${err.message}${hint}`);
      }
      throw await errorFromResponse(res, `${method} ${url}`);
    }
  }

  private agentFor(url: URL): http.Agent {
    const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.agents.push(agent);
    return agent;
  }

  private async withRetries(
    method: string,
    url: URL,
    headers: OutgoingHttpHeaders,
    body: Buffer | undefined,
    agent: http.Agent,
    idempotent: boolean,
  ): Promise<IncomingMessage> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(backoff(attempt - 1), undefined, { signal: this.opts.signal });
      let res: IncomingMessage;
      try {
        res = await send(url, method, headers, body, agent, this.opts.signal);
      } catch (err) {
        if (this.opts.signal?.aborted || !isRetryableNetworkError(err)) throw wrapNetwork(method, url, err);
        lastErr = err;
        continue;
      }
      const status = res.statusCode ?? 0;
      if ((status >= 500 || status === 429) && (idempotent || status === 429 || status === 503)) {
        lastErr = await errorFromResponse(res, `${method} ${url}`);
        const wait = retryAfterMs(res);
        if (wait !== undefined && attempt + 1 < this.attempts) await sleep(wait, undefined, { signal: this.opts.signal });
        continue;
      }
      return res;
    }
    throw lastErr instanceof GantryError ? lastErr : wrapNetwork(method, url, lastErr);
  }

  private async discover(): Promise<Endpoint> {
    if (this.opts.host) return this.configured(this.opts.host);
    const insecure = isInsecureRegistry(this.host, this.opts.config);
    const tls = await loadTlsMaterial(this.host, this.opts.config);
    const httpsEp = this.makeEndpoint('https', tls, insecure && tls.ca.length === 0);
    try {
      await this.pingAt(httpsEp);
      return httpsEp;
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      if (!insecure) {
        if (looksLikePlainHttp(err)) {
          throw unavailable(
            `registry ${this.host}: http: server gave HTTP response to HTTPS client (plain HTTP is used only for localhost and insecure registries: add ${this.host} to GANTRY_INSECURE_REGISTRIES)`,
            err,
          );
        }
        throw err;
      }
      // Verification failures against a configured CA are real errors, not a cue to downgrade.
      if (tls.ca.length > 0 && !looksLikePlainHttp(err)) throw err;
    }
    const httpEp = this.makeEndpoint('http', tls, false);
    await this.pingAt(httpEp);
    return httpEp;
  }

  /** A hosts.toml host: its scheme and path as written, its CAs and client pair plus docker's certs.d ones. */
  private async configured(host: RegistryHost): Promise<Endpoint> {
    const tls = await loadTlsMaterial(this.host, this.opts.config);
    const read = async (file: string, what: string) => {
      try {
        return await readFile(file);
      } catch (err) {
        throw invalidArgument(`registry host ${host.url.href}: reading ${what} ${file}: ${(err as Error).message}`, err);
      }
    };
    for (const ca of host.ca) tls.ca.push(await read(ca, 'CA'));
    const pair = host.client[0];
    if (pair) {
      tls.cert = await read(pair.cert, 'client certificate');
      tls.key = await read(pair.key ?? pair.cert, 'client key');
    }
    const scheme = host.url.protocol === 'http:' ? 'http' : 'https';
    const path = host.url.pathname.replace(/\/+$/, '');
    const ep = { ...this.makeEndpoint(scheme, tls, host.skipVerify), apiPrefix: host.overridePath ? path : `${path}/v2` };
    await this.pingAt(ep);
    return ep;
  }

  private makeEndpoint(scheme: 'http' | 'https', tls: TlsMaterial, skipVerify: boolean): Endpoint {
    const agent =
      scheme === 'https'
        ? new https.Agent({
            keepAlive: true,
            ca: [...systemCAs(), ...tls.ca.map((b) => b.toString())],
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: !skipVerify,
          })
        : new http.Agent({ keepAlive: true });
    this.agents.push(agent);
    return { base: new URL(`${scheme}://${this.host}/`), apiPrefix: '/v2', agent };
  }

  private async pingAt(ep: Endpoint): Promise<void> {
    const url = this.at(ep, '/v2/');
    const res = await this.withRetries('GET', url, { ...this.opts.host?.headers }, undefined, ep.agent, true);
    const status = res.statusCode ?? 0;
    if (status === 401) {
      const challenges = parseWWWAuthenticate(res.headers['www-authenticate']);
      this.challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
      res.resume();
      return;
    }
    // A host whose URL is its API root (override_path) need not answer at that root.
    if ((status >= 200 && status < 300) || (status === 404 && this.opts.host?.overridePath)) {
      res.resume();
      return;
    }
    throw await errorFromResponse(res, `GET ${url}`);
  }

  private auth(): Promise<RegistryAuth | undefined> {
    const a = this.opts.auth;
    this.authResolved ??= typeof a === 'function' ? a() : Promise.resolve(a);
    return this.authResolved;
  }

  private async authorization(scopes: string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const auth = await this.auth();
    if (challenge.scheme === 'basic') {
      if (!auth?.username) return undefined;
      return `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
    }
    if (challenge.scheme === 'bearer') return `Bearer ${await this.fetchToken(scopes)}`;
    return undefined;
  }

  /** A bearer token for these scopes, from the cache while it is valid. */
  private async fetchToken(scopes: string[], fresh = false): Promise<string> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return cached.token;
    const auth = await this.auth();
    if (auth?.registryToken) return auth.registryToken;
    const params = this.challenge?.params ?? {};
    if (!params.realm) throw unauthorized(`registry ${this.host}: bearer challenge without realm`);
    const realm = new URL(params.realm);
    const agent = this.agentFor(realm);
    let res: IncomingMessage;
    if (auth?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identityToken, client_id: 'gantry' });
      if (params.service) form.set('service', params.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.withRetries(
        'POST',
        realm,
        { 'content-type': 'application/x-www-form-urlencoded' },
        Buffer.from(form.toString()),
        agent,
        true,
      );
    } else {
      if (params.service) realm.searchParams.set('service', params.service);
      for (const s of scopes) realm.searchParams.append('scope', s);
      const headers: OutgoingHttpHeaders = {};
      if (auth?.username) {
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
      }
      res = await this.withRetries('GET', realm, headers, undefined, agent, true);
    }
    const status = res.statusCode ?? 0;
    const body = await readBody(res);
    if (status === 401 || status === 403) {
      const msg = describeErrors(status, parseRegistryErrors(body));
      throw new RegistryError(status, [], `getting a token from ${realm.origin}${realm.pathname}: ${status === 401 && auth?.username ? 'unauthorized: incorrect username or password' : msg}`);
    }
    if (status < 200 || status >= 300) throw unavailable(`getting a token from ${realm.origin}${realm.pathname}: status ${status}`);
    const parsed = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw unavailable(`token response from ${realm.origin} has no token`);
    const issued = parsed.issued_at ? Date.parse(parsed.issued_at) : Date.now();
    const ttl = (parsed.expires_in && parsed.expires_in > 0 ? parsed.expires_in : 60) * 1000;
    // Renew a little early so a token does not expire between check and use.
    this.tokens.set(key, { token, expiresAt: (Number.isFinite(issued) ? issued : Date.now()) + ttl - 5000 });
    return token;
  }
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

function wrapNetwork(method: string, url: URL, err: unknown): GantryError {
  if (err instanceof GantryError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const e = new GantryError('unavailable', `${method} "${url}": ${msg}`, { cause: err });
  return e;
}

export const pullScope = (path: string) => `repository:${path}:pull`;
export const pushScope = (path: string) => `repository:${path}:pull,push`;
