// pullImage: resolve a reference, fetch index/manifest/config into the content
// store, then stream every missing layer from the registry into the content
// ingest and the unpacker at once (download, decompression and apply overlap,
// several layers in parallel), and record the image. Every request goes to the
// registry's hosts.toml mirrors first (registry/sources.ts); the image keeps
// the name it was asked by.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GantryError, failedPrecondition, invalidArgument, notFound } from '../errdefs/index.js';
import { chainIds, type Digest } from '../oci/digest.js';
import type { Descriptor, ImageConfig } from '../oci/image-spec.js';
import { familiarString, parseReference, withDigest, type Reference } from '../oci/reference.js';
import { getCredentials } from './auth/credentials.js';
import type { ContentStore, IngestWriter } from './content/store-api.js';
import { RegistryClient, isRetryableNetworkError, pullScope, type RegistryAuth } from './registry/client.js';
import type { RegistryConfig } from './registry/config.js';
import { PullSources } from './registry/sources.js';
import {
  fetchManifest,
  isIndexType,
  isManifestType,
  parseIndex,
  parseManifest,
  recordSource,
  resolveReference,
} from './registry/manifests.js';
import { formatPlatform, hostPlatform, parsePlatform, selectManifest } from './registry/platform.js';
import type { ProgressEvent } from './progress.js';
import type { ImageStoreWriter, LayerUnpacker } from './unpack-api.js';

export type { ProgressEvent } from './progress.js';
export type { RegistryConfig } from './registry/config.js';

export interface PullOptions {
  /** "linux/arm64/v8"; default the host's platform. */
  platform?: string;
  auth?: RegistryAuth;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  registryConfig?: RegistryConfig;
  /** Parallel layer downloads (default 4). */
  concurrency?: number;
}

export interface PullDeps {
  content: ContentStore;
  unpacker: LayerUnpacker;
  images: ImageStoreWriter;
}

export interface PullResult {
  /** Normalized reference as pulled: docker.io/library/busybox:latest. */
  reference: string;
  /** Digest of the top-level manifest or index. */
  digest: Digest;
  /** The platform manifest. */
  manifest: Descriptor;
  configDigest: Digest;
}

const BLOB_ATTEMPTS = 3;
const PROGRESS_INTERVAL_MS = 100;

export const shortId = (d: Digest) => d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);

/** A client for `ref`'s registry with explicit or stored credentials. */
export function clientFor(ref: Reference, opts: Omit<PullOptions, 'platform'> = {}): RegistryClient {
  return new RegistryClient(ref.domain, {
    config: opts.registryConfig,
    signal: opts.signal,
    auth: opts.auth ?? (() => getCredentials(ref.domain, opts.registryConfig)),
  });
}

/** The hosts a pull of `ref` may use: hosts.toml's mirrors, then the upstream with explicit or stored credentials. */
function sourcesFor(ref: Reference, opts: Omit<PullOptions, 'platform'> = {}): Promise<PullSources> {
  return PullSources.open(ref.domain, {
    config: opts.registryConfig,
    signal: opts.signal,
    upstreamAuth: opts.auth ?? (() => getCredentials(ref.domain, opts.registryConfig)),
    storedAuth: (host) => getCredentials(host, opts.registryConfig),
  });
}

export async function pullImage(deps: PullDeps, reference: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(reference);
  const emit = opts.onProgress ?? (() => {});
  const want = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const sources = await sourcesFor(ref, opts);
  const byDigest = <T>(what: string, fn: (client: RegistryClient) => Promise<T>) => sources.first('digest', what, fn, opts.signal);
  try {
    const top = await sources.first(ref.digest ? 'digest' : 'tag', `resolving ${familiarString(ref)}`, (c) => resolveReference(c, ref), opts.signal);
    emit({ status: `Pulling from ${ref.path}`, id: ref.tag ?? top.digest });
    const topDoc = await byDigest(`fetching manifest ${top.digest}`, (c) => fetchManifest(c, deps.content, ref, top.digest));
    await recordSource(deps.content, top.digest, ref);

    let manifestDesc: Descriptor = { mediaType: topDoc.mediaType, digest: top.digest, size: topDoc.bytes.length };
    let manifestBytes = topDoc.bytes;
    if (isIndexType(topDoc.mediaType)) {
      const chosen = selectManifest(parseIndex(topDoc.bytes).manifests, want);
      if (!chosen) {
        throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
      }
      const child = await byDigest(`fetching manifest ${chosen.digest}`, (c) => fetchManifest(c, deps.content, ref, chosen.digest));
      await recordSource(deps.content, chosen.digest, ref);
      manifestDesc = { mediaType: child.mediaType, digest: chosen.digest, size: child.bytes.length };
      if (chosen.platform) manifestDesc.platform = chosen.platform;
      manifestBytes = child.bytes;
    }
    if (!isManifestType(manifestDesc.mediaType)) {
      throw invalidArgument(`unsupported manifest media type ${manifestDesc.mediaType} for ${familiarString(ref)}`);
    }
    const manifest = parseManifest(manifestBytes);
    const config = await byDigest(`fetching config ${manifest.config.digest}`, (c) => fetchConfig(c, deps.content, ref, manifest.config));
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw invalidArgument(
        `image ${familiarString(ref)}: config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`,
      );
    }
    if (config.os && config.os !== want.os && !opts.platform) {
      // A plain manifest for another platform: docker pulls it but warns.
      emit({ status: `WARNING: image platform (${config.os}/${config.architecture}) does not match the host platform` });
    }
    const downloaded = await pullLayers(deps, sources, ref, manifest.layers, diffIds, emit, opts);

    const tagged = ref.tag ? `${ref.name}:${ref.tag}` : undefined;
    const { moved } = await deps.images.recordImage({
      name: tagged,
      repoDigest: withDigest(ref, top.digest).toString(),
      manifest: manifestDesc,
      configDigest: manifest.config.digest,
    });
    emit({ status: `Digest: ${top.digest}` });
    const upToDate = !moved && downloaded === 0;
    emit({ status: `Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(ref)}` });
    return { reference: ref.toString(), digest: top.digest, manifest: manifestDesc, configDigest: manifest.config.digest };
  } finally {
    sources.close();
  }
}

async function fetchConfig(
  client: RegistryClient,
  content: ContentStore,
  ref: Reference,
  desc: Descriptor,
): Promise<ImageConfig> {
  if (!(await content.has(desc.digest))) {
    const res = await client.request('GET', `/v2/${ref.path}/blobs/${desc.digest}`, {
      scopes: [pullScope(ref.path)],
      followRedirects: true,
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    await content.putBlob(Buffer.concat(chunks), desc.digest);
  }
  await recordSource(content, desc.digest, ref);
  return JSON.parse((await content.readBlob(desc.digest)).toString('utf8')) as ImageConfig;
}

/** Runs fn over items with at most `limit` in flight; fails fast but lets started ones settle. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Returns the number of layers downloaded or applied. */
async function pullLayers(
  deps: PullDeps,
  sources: PullSources,
  ref: Reference,
  layers: Descriptor[],
  diffIds: Digest[],
  emit: (e: ProgressEvent) => void,
  opts: PullOptions,
): Promise<number> {
  const chains = chainIds(diffIds);
  const present = await Promise.all(chains.map((c) => deps.unpacker.hasSnapshot(c)));
  const seen = new Set<string>();
  for (const [i, layer] of layers.entries()) {
    const id = shortId(layer.digest);
    if (seen.has(id)) continue;
    seen.add(id);
    emit({ status: present[i] ? 'Already exists' : 'Pulling fs layer', id });
  }
  const concurrency = opts.concurrency ?? 4;
  const todo = layers.map((l, i) => i).filter((i) => !present[i]);
  for (const i of todo.slice(concurrency)) emit({ status: 'Waiting', id: shortId(layers[i]!.digest) });
  // One failed layer stops the others: later layers cannot be applied without it.
  const siblings = new AbortController();
  await forEachLimited(todo, concurrency, async (i) => {
    opts.signal?.throwIfAborted();
    siblings.signal.throwIfAborted();
    const target: LayerTarget = {
      chainId: chains[i]!,
      parentChainId: i > 0 ? chains[i - 1] : undefined,
      diffId: diffIds[i]!,
      emit,
      stop: siblings.signal,
    };
    try {
      // A host failing midway (or serving bad bytes) leaves nothing applied: the next one starts over.
      await sources.first('digest', `fetching layer ${layers[i]!.digest}`, (c) => pullLayer(deps, c, ref, layers[i]!, target), anySignal(siblings.signal, opts.signal));
    } catch (err) {
      if (!siblings.signal.aborted) siblings.abort(err);
      throw err;
    }
  });
  return todo.length;
}

interface LayerTarget {
  chainId: Digest;
  parentChainId?: Digest;
  diffId: Digest;
  emit: (e: ProgressEvent) => void;
  stop: AbortSignal;
}

/** Feeds a layer's bytes to the unpacker while they arrive, respecting its backpressure. */
class ApplyFeed {
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 });
  private settled = false;
  private failure: unknown;
  private wake?: () => void;
  readonly done: Promise<void>;

  constructor(apply: (stream: Readable) => Promise<void>) {
    this.done = apply(this.stream).then(
      () => {
        this.settled = true;
        this.wake?.();
      },
      (err: unknown) => {
        this.settled = true;
        this.failure = err;
        this.wake?.();
        throw err;
      },
    );
    this.done.catch(() => {}); // observed by finish()/write()
    // After fail() the consumer may already have stopped listening.
    this.stream.on('error', () => {});
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.settled) return; // the unpacker finished early (trailing padding): keep downloading only
    if (this.stream.destroyed) throw new Error('layer stream closed');
    if (!this.stream.write(chunk)) {
      await this.waitDrain();
      if (this.failure !== undefined) throw this.failure;
      if (this.stream.destroyed) throw new Error('layer stream closed');
    }
  }

  /** Resolves on 'drain', on close, or when the unpacker settles (it may never drain again). */
  private waitDrain(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.stream.off('drain', wake);
        this.stream.off('close', wake);
        this.wake = undefined;
        resolve();
      };
      if (this.settled) return resolve();
      this.wake = wake;
      this.stream.on('drain', wake);
      this.stream.on('close', wake);
    });
  }

  async pipeFrom(src: Readable): Promise<void> {
    for await (const c of src) await this.write(c as Buffer);
  }

  async finish(): Promise<void> {
    this.stream.end();
    await this.done;
  }

  /** Stops the unpacker (a destroyed stream ends its apply, or its wait for a parent) and waits for it to clean up. */
  async fail(err: unknown): Promise<void> {
    this.stream.destroy(err instanceof Error ? err : new Error(String(err)));
    await this.done.catch(() => {});
  }
}

async function pullLayer(deps: PullDeps, client: RegistryClient, ref: Reference, layer: Descriptor, t: LayerTarget): Promise<void> {
  const id = shortId(layer.digest);
  const feed = new ApplyFeed((stream) =>
    deps.unpacker.applyLayer({
      chainId: t.chainId,
      parentChainId: t.parentChainId,
      diffId: t.diffId,
      mediaType: layer.mediaType,
      stream,
    }),
  );
  const onStop = () => feed.stream.destroy(t.stop.reason instanceof Error ? t.stop.reason : new Error('pull aborted'));
  t.stop.addEventListener('abort', onStop, { once: true });
  try {
    await downloadInto(deps.content, client, ref, layer, feed, t.emit);
    t.stop.throwIfAborted();
    t.emit({ status: 'Extracting', id, progressDetail: { current: layer.size, total: layer.size } });
    await Promise.race([feed.finish(), aborted(t.stop)]);
  } catch (err) {
    await feed.fail(err);
    throw err;
  } finally {
    t.stop.removeEventListener('abort', onStop);
  }
  t.emit({ status: 'Pull complete', id });
}

async function downloadInto(
  content: ContentStore,
  client: RegistryClient,
  ref: Reference,
  layer: Descriptor,
  feed: ApplyFeed,
  emit: (e: ProgressEvent) => void,
): Promise<void> {
  const id = shortId(layer.digest);
  const fromStore = async () => {
    await feed.pipeFrom(content.openBlob(layer.digest));
    emit({ status: 'Download complete', id });
  };
  const commit = async (w: IngestWriter) => {
    emit({ status: 'Verifying Checksum', id });
    await w.commit({ digest: layer.digest, size: layer.size });
    await recordSource(content, layer.digest, ref);
  };
  if (await content.has(layer.digest)) return fromStore();
  const open = () => content.ingest(layer.digest, { digest: layer.digest, size: layer.size });
  let w = await open();
  try {
    if (await content.has(layer.digest)) {
      // Another pull committed it while we waited for the ingest.
      await w.abort();
      return await fromStore();
    }
    if (w.offset > 0) {
      // Bytes an earlier process left (a kill can leave anything there) are proven only
      // by the commit: the rest is fetched first (none if complete) and the unpacker
      // reads the verified blob. A bad ingest, or a registry refusing the range, is
      // discarded and the layer fetched from zero.
      const complete = w.offset === layer.size || (await fetchRest(client, ref, layer, w, undefined, emit));
      const committed = complete && (await commit(w).then(() => true, () => false));
      if (committed) return await fromStore();
      await w.abort();
      w = await open();
    }
    if (!(await fetchRest(client, ref, layer, w, feed, emit))) {
      throw failedPrecondition(`fetching ${layer.digest} from byte ${w.offset}: the registry answered 416 (range not satisfiable)`);
    }
    await commit(w);
    emit({ status: 'Download complete', id });
  } finally {
    // Keeps partial data for a resume; a no-op after commit or abort.
    await w.close();
  }
}

/**
 * Downloads the blob from the ingest's offset to its end into the ingest (and the
 * feed, if any), resuming with Range after network errors. False if the registry
 * answered a ranged request with 416.
 */
async function fetchRest(
  client: RegistryClient,
  ref: Reference,
  layer: Descriptor,
  w: IngestWriter,
  feed: ApplyFeed | undefined,
  emit: (e: ProgressEvent) => void,
): Promise<boolean> {
  const id = shortId(layer.digest);
  let lastEmit = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await openBlobAt(client, ref, layer.digest, w.offset);
      if (res.statusCode === 416) {
        res.resume();
        return false;
      }
      // A server ignoring Range sends everything again: skip what we hold.
      let skip = res.statusCode === 206 ? 0 : w.offset;
      for await (const c of res) {
        let chunk = c as Buffer;
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) continue;
        }
        await w.write(chunk);
        await feed?.write(chunk);
        const now = Date.now();
        if (now - lastEmit >= PROGRESS_INTERVAL_MS) {
          lastEmit = now;
          emit({ status: 'Downloading', id, progressDetail: { current: w.offset, total: layer.size } });
        }
      }
      if (w.offset < layer.size) {
        throw Object.assign(new Error(`short read: ${w.offset} of ${layer.size} bytes`), { code: 'ECONNRESET' });
      }
      return true;
    } catch (err) {
      if (attempt + 1 >= BLOB_ATTEMPTS || !isResumable(err)) throw err;
      await sleep(Math.min(200 * 2 ** attempt, 3000));
    }
  }
}

function anySignal(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function isResumable(err: unknown): boolean {
  if (err instanceof GantryError) return err.code === 'unavailable' && isRetryableNetworkError(err.cause);
  return isRetryableNetworkError(err);
}

function openBlobAt(client: RegistryClient, ref: Reference, digest: Digest, offset: number): Promise<IncomingMessage> {
  return client.request('GET', `/v2/${ref.path}/blobs/${digest}`, {
    scopes: [pullScope(ref.path)],
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    accept: offset > 0 ? [416] : [],
    followRedirects: true,
  });
}
