// pushImage: upload an image (or index) from the content store: each blob is
// skipped if the registry has it, mounted from another repository of the same
// registry when we know one, or uploaded (monolithic when small, chunked PATCH
// otherwise); manifests go last, children before their index, bytes as stored.
import type { IncomingMessage } from 'node:http';
import { GantryError, invalidArgument } from '../errdefs/index.js';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/image-spec.js';
import { parseReference, type Reference } from '../oci/reference.js';
import type { ContentStore } from './content/store-api.js';
import { clientFor, shortId, type PullOptions } from './pull.js';
import type { ProgressEvent } from './progress.js';
import { pullScope, pushScope, type RegistryClient } from './registry/client.js';
import { RegistryError } from './registry/errors.js';
import { isIndexType, knownSources, parseIndex, parseManifest, recordSource } from './registry/manifests.js';

export type PushOptions = Omit<PullOptions, 'platform'> & {
  /** Blobs up to this size go in one PUT; larger ones in chunks of this size (default 16 MiB). */
  chunkSize?: number;
};

const DEFAULT_CHUNK = 16 << 20;

export async function pushImage(
  deps: { content: ContentStore },
  source: { manifest: Descriptor },
  target: string,
  opts: PushOptions = {},
): Promise<{ digest: Digest; size: number }> {
  const ref = parseReference(target);
  if (ref.digest) throw invalidArgument(`cannot push to a digest reference: ${target}`);
  const emit = opts.onProgress ?? (() => {});
  const client = clientFor(ref, opts);
  const ctx: PushContext = { content: deps.content, client, ref, emit, chunkSize: opts.chunkSize ?? DEFAULT_CHUNK, signal: opts.signal };
  try {
    const top = source.manifest;
    const manifests = isIndexType(top.mediaType)
      ? parseIndex(await deps.content.readBlob(top.digest)).manifests.filter((d) => !isIndexType(d.mediaType))
      : [top];
    for (const m of manifests) {
      if (!(await deps.content.has(m.digest))) {
        throw new GantryError('not-found', `push ${target}: manifest ${m.digest} is not in the local store`);
      }
    }
    for (const m of manifests) {
      await pushBlobsOf(ctx, m);
      if (m !== top) await putManifest(ctx, m, m.digest);
    }
    const size = await putManifest(ctx, top, ref.tag ?? 'latest');
    emit({ status: `${ref.tag ?? 'latest'}: digest: ${top.digest} size: ${size}` });
    return { digest: top.digest, size };
  } finally {
    client.close();
  }
}

interface PushContext {
  content: ContentStore;
  client: RegistryClient;
  ref: Reference;
  emit: (e: ProgressEvent) => void;
  chunkSize: number;
  signal?: AbortSignal;
}

async function pushBlobsOf(ctx: PushContext, m: Descriptor): Promise<void> {
  const manifest = parseManifest(await ctx.content.readBlob(m.digest));
  const layers = manifest.layers.filter((l) => !l.urls?.length); // foreign layers stay where they are
  for (const l of layers) ctx.emit({ status: 'Preparing', id: shortId(l.digest) });
  const queue = [...layers];
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && queue.length > 0) {
      const l = queue.shift()!;
      try {
        await pushBlob(ctx, l, true);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  if (failed !== undefined) throw failed;
  await pushBlob(ctx, manifest.config, false);
}

const blobPath = (ref: Reference, d: Digest) => `/v2/${ref.path}/blobs/${d}`;

async function pushBlob(ctx: PushContext, desc: Descriptor, isLayer: boolean): Promise<void> {
  const { client, ref } = ctx;
  const id = shortId(desc.digest);
  const say = (status: string, extra: Partial<ProgressEvent> = {}) => isLayer && ctx.emit({ status, id, ...extra });
  const scopes = [pushScope(ref.path)];
  const head = await client.request('HEAD', blobPath(ref, desc.digest), { scopes, accept: [404] });
  head.resume();
  if (head.statusCode === 200) {
    say('Layer already exists');
    return;
  }
  if (!(await ctx.content.has(desc.digest))) {
    throw new GantryError('not-found', `push ${ref}: blob ${desc.digest} is not in the local store`);
  }
  for (const from of await knownSources(ctx.content, desc.digest, ref.domain)) {
    if (from === ref.path) continue;
    const res = await client.request('POST', `/v2/${ref.path}/blobs/uploads/?mount=${desc.digest}&from=${encodeURIComponent(from)}`, {
      scopes: [...scopes, pullScope(from)],
      headers: { 'content-length': '0' },
      accept: [201, 202, 404],
    });
    res.resume();
    if (res.statusCode === 201) {
      say(`Mounted from ${from}`);
      await recordSource(ctx.content, desc.digest, ref);
      return;
    }
    if (res.statusCode === 202 && res.headers.location) {
      // The registry opened an upload instead of mounting: use it.
      await upload(ctx, desc, res.headers.location, say);
      return;
    }
  }
  const start = await client.request('POST', `/v2/${ref.path}/blobs/uploads/`, { scopes, headers: { 'content-length': '0' } });
  start.resume();
  const location = start.headers.location;
  if (!location) throw new GantryError('internal', `push ${ref}: upload of ${desc.digest} got no Location`);
  await upload(ctx, desc, location, say);
}

async function readRange(content: ContentStore, digest: Digest, start: number, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  const stream = content.openBlob(digest, { start });
  for await (const c of stream) {
    const chunk = c as Buffer;
    chunks.push(chunk);
    n += chunk.length;
    if (n >= length) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, length);
}

function withDigestParam(location: URL, digest: Digest): URL {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u;
}

async function upload(
  ctx: PushContext,
  desc: Descriptor,
  location: string,
  say: (status: string, extra?: Partial<ProgressEvent>) => void,
): Promise<void> {
  const { client, ref } = ctx;
  const scopes = [pushScope(ref.path)];
  let url = await client.url(location);
  const size = desc.size;
  if (size <= ctx.chunkSize) {
    const body = await ctx.content.readBlob(desc.digest);
    say('Pushing', { progressDetail: { current: 0, total: size } });
    const res = await client.request('PUT', withDigestParam(url, desc.digest), {
      scopes,
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    });
    res.resume();
  } else {
    for (let offset = 0; offset < size; ) {
      ctx.signal?.throwIfAborted();
      const chunk = await readRange(ctx.content, desc.digest, offset, Math.min(ctx.chunkSize, size - offset));
      const res: IncomingMessage = await client.request('PATCH', url, {
        scopes,
        body: chunk,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.length),
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
      });
      res.resume();
      if (res.headers.location) url = await client.url(res.headers.location);
      offset += chunk.length;
      say('Pushing', { progressDetail: { current: offset, total: size } });
    }
    const done = await client.request('PUT', withDigestParam(url, desc.digest), { scopes, headers: { 'content-length': '0' } });
    done.resume();
  }
  await recordSource(ctx.content, desc.digest, ref);
  say('Pushed');
}

/** PUTs a manifest's stored bytes under `reference` (a tag or its digest); returns its size. */
async function putManifest(ctx: PushContext, desc: Descriptor, reference: string): Promise<number> {
  const body = await ctx.content.readBlob(desc.digest);
  try {
    const res = await ctx.client.request('PUT', `/v2/${ctx.ref.path}/manifests/${reference}`, {
      scopes: [pushScope(ctx.ref.path)],
      body,
      headers: { 'content-type': desc.mediaType, 'content-length': String(body.length) },
    });
    res.resume();
  } catch (err) {
    if (err instanceof RegistryError && err.status === 401) {
      throw new GantryError('unauthorized', `push ${ctx.ref}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  await recordSource(ctx.content, desc.digest, ctx.ref);
  return body.length;
}
