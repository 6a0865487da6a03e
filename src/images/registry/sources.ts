// Where a pull fetches from, as containerd decides it: the mirrors hosts.toml
// lists for the image's registry, in file order, then the upstream. Each
// operation goes to the hosts capable of it (tags to `resolve` ones, content by
// digest to `pull` ones) and falls through to the next host on any failure; the
// content is verified by digest whichever host served it, so a mirror is
// trusted no more than the upstream.
import { GantryError } from '../../errdefs/index.js';
import { RegistryClient, type RegistryAuth, type RegistryClientOptions } from './client.js';
import type { RegistryConfig } from './config.js';
import { ALL_CAPABILITIES, registryHosts, type HostCapability, type RegistryHost } from './hosts.js';

export interface PullSource {
  /** How errors name it: the host's URL, or the registry's name for the upstream as discovered. */
  label: string;
  client: RegistryClient;
  capabilities: ReadonlySet<HostCapability>;
}

export interface SourcesOptions {
  config?: RegistryConfig;
  signal?: AbortSignal;
  /** Credentials for the upstream (explicit ones, or the stored ones for the registry). */
  upstreamAuth: RegistryClientOptions['auth'];
  /** Stored credentials of another host (a mirror's own). */
  storedAuth: (host: string) => Promise<RegistryAuth | undefined>;
}

/** A dead mirror should cost little before the next host is asked. */
const MIRROR_ATTEMPTS = 2;
const ALL: ReadonlySet<HostCapability> = new Set(ALL_CAPABILITIES);

export class PullSources {
  private constructor(
    readonly domain: string,
    readonly sources: PullSource[],
  ) {}

  static async open(domain: string, opts: SourcesOptions): Promise<PullSources> {
    const configured = await registryHosts(domain, opts.config);
    const upstream = (host?: RegistryHost): PullSource => ({
      label: host ? hostLabel(host) : domain,
      capabilities: host?.capabilities ?? ALL,
      client: new RegistryClient(domain, { config: opts.config, signal: opts.signal, auth: opts.upstreamAuth, ...(host ? { host } : {}) }),
    });
    const mirrors = (configured?.mirrors ?? []).map((host) => ({
      label: hostLabel(host),
      capabilities: host.capabilities,
      client: new RegistryClient(domain, { config: opts.config, signal: opts.signal, host, attempts: MIRROR_ATTEMPTS, auth: () => opts.storedAuth(host.url.host) }),
    }));
    return new PullSources(domain, [...mirrors, upstream(configured?.server)]);
  }

  /** Hosts that may serve `op`: tags need resolve and pull (containerd's rule), digests pull. */
  capable(op: 'tag' | 'digest'): PullSource[] {
    return this.sources.filter((s) => s.capabilities.has('pull') && (op === 'digest' || s.capabilities.has('resolve')));
  }

  /**
   * Runs fn against each capable host in turn until one succeeds. One host
   * (no hosts.toml): its error as is; several: an error naming each host tried.
   */
  async first<T>(op: 'tag' | 'digest', what: string, fn: (client: RegistryClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const hosts = this.capable(op);
    if (hosts.length === 0) {
      throw new GantryError('failed-precondition', `${what}: no registry host of ${this.domain} has the ${op === 'tag' ? 'resolve and pull' : 'pull'} capabilities`);
    }
    const failures: { label: string; err: unknown }[] = [];
    for (const host of hosts) {
      try {
        return await fn(host.client);
      } catch (err) {
        if (signal?.aborted || hosts.length === 1) throw err;
        failures.push({ label: host.label, err });
      }
    }
    const last = failures[failures.length - 1]!.err;
    const tried = failures.map((f) => `${f.label}: ${f.err instanceof Error ? f.err.message : String(f.err)}`).join('; ');
    throw new GantryError(last instanceof GantryError ? last.code : 'unavailable', `${what}: every registry host failed: ${tried}`, { cause: last });
  }

  close(): void {
    for (const s of this.sources) s.client.close();
  }
}

function hostLabel(host: RegistryHost): string {
  return `${host.url.protocol}//${host.url.host}${host.url.pathname.replace(/\/+$/, '')}`;
}
