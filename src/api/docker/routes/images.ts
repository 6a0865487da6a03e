// Docker Engine API image routes: pull/import (POST /images/create), push,
// list, inspect, history, tag, remove, prune, load, save, search.
import { notImplemented } from '../../../errdefs/index.js';
import type { ImageInspect, ImageSummary, JSONMessage } from '../../../engine/api.js';
import type { Route, RouteContext } from '../route.js';
import { compareVersions } from '../api-version.js';
import { defaultConfig } from '../../../engine/docker-types.js';
import { withProgressStream } from './progress-stream.js';
import { registryAuth } from './registry-auth.js';
import { sendTar } from './tar-response.js';

const optional = (ctx: RouteContext, name: string) => ctx.query.get(name) || undefined;

/** dockerd reports VirtualSize (= Size) only to clients older than API 1.44. */
function withVirtualSize<T extends ImageSummary | ImageInspect>(image: T, version: string): T {
  const { VirtualSize: _dropped, ...rest } = image;
  return (compareVersions(version, '1.44') < 0 ? { ...rest, VirtualSize: image.Size } : rest) as T;
}

/** Go's zero container.Config, which dockerd sends as ContainerConfig to clients older than API 1.45. */
const EMPTY_CONTAINER_CONFIG = { ...defaultConfig(''), Env: null, OnBuild: null, Labels: null };

/**
 * Inspect for the client's version: the deprecated Container and
 * ContainerConfig fields below API 1.45 (docker-compose 1.x reads
 * ContainerConfig.Volumes when it recreates a container, and asks for 1.3x).
 */
function inspectForVersion(image: ImageInspect, version: string): ImageInspect & { Container?: string; ContainerConfig?: typeof EMPTY_CONTAINER_CONFIG } {
  const inspect = withVirtualSize(image, version);
  return compareVersions(version, '1.45') < 0 ? { ...inspect, Container: '', ContainerConfig: EMPTY_CONTAINER_CONFIG } : inspect;
}

async function createImage(ctx: RouteContext): Promise<void> {
  const fromSrc = ctx.query.get('fromSrc');
  if (fromSrc) return importImage(ctx, fromSrc);
  const fromImage = ctx.query.get('fromImage') ?? '';
  await withProgressStream(ctx, (out) =>
    ctx.engine.images.pull({
      fromImage,
      tag: optional(ctx, 'tag'),
      platform: optional(ctx, 'platform'),
      auth: registryAuth(ctx.req),
      onProgress: (m) => out.write(m),
      signal: out.signal,
    }),
  );
}

/** docker import: the body ("-") or a URL as a rootfs; dockerd ends with {"status": "<image id>"}. */
async function importImage(ctx: RouteContext, fromSrc: string): Promise<void> {
  await withProgressStream(ctx, async (out) => {
    let last: JSONMessage | undefined;
    const id = await ctx.engine.images.import(fromSrc === '-' ? ctx.req : fromSrc, {
      repo: optional(ctx, 'repo'),
      tag: optional(ctx, 'tag'),
      changes: ctx.query.getAll('changes'),
      message: optional(ctx, 'message'),
      platform: optional(ctx, 'platform'),
      onProgress: (m) => {
        last = m;
        out.write(m);
      },
    });
    if (last?.status !== id) out.write({ status: id });
  });
}

async function pushImage(ctx: RouteContext): Promise<void> {
  await withProgressStream(ctx, (out) =>
    ctx.engine.images.push(ctx.params.name ?? '', {
      tag: optional(ctx, 'tag'),
      auth: registryAuth(ctx.req),
      onProgress: (m) => out.write(m),
      signal: out.signal,
    }),
  );
}

/** docker load: progress (unless quiet), then one {"stream": "Loaded image: x\n"} per image. */
async function loadImages(ctx: RouteContext): Promise<void> {
  await withProgressStream(ctx, async (out) => {
    const streamed = new Set<string>();
    const lines = await ctx.engine.images.load(ctx.req, {
      quiet: ctx.bool('quiet'),
      onProgress: (m) => {
        if (m.stream !== undefined) streamed.add(m.stream);
        out.write(m);
      },
    });
    for (const line of lines) {
      const text = line.endsWith('\n') ? line : `${line}\n`;
      if (!streamed.has(text)) out.write({ stream: text });
    }
  });
}

export const imageRoutes: Route[] = [
  // The router tries literal paths (/images/json, /images/get) before the {name*} ones, as dockerd's does.
  {
    method: 'GET',
    path: '/images/json',
    handler: async (ctx) => {
      const images = await ctx.engine.images.list({ all: ctx.bool('all'), filters: ctx.filters(), digests: ctx.bool('digests') });
      ctx.send(images.map((image) => withVirtualSize(image, ctx.version)));
    },
  },
  {
    method: 'GET',
    path: '/images/search',
    handler: async () => {
      throw notImplemented('search is not supported: gantry has no registry index to search');
    },
  },
  {
    method: 'GET',
    path: '/images/get',
    handler: async (ctx) => sendTar(ctx, await ctx.engine.images.save(ctx.query.getAll('names'))),
  },
  { method: 'POST', path: '/images/create', handler: createImage },
  { method: 'POST', path: '/images/load', handler: loadImages },
  { method: 'POST', path: '/images/prune', handler: async (ctx) => ctx.send(await ctx.engine.images.prune(ctx.filters())) },
  {
    method: 'GET',
    path: '/images/{name*}/get',
    handler: async (ctx) => sendTar(ctx, await ctx.engine.images.save([ctx.params.name ?? ''])),
  },
  { method: 'GET', path: '/images/{name*}/history', handler: async (ctx) => ctx.send(await ctx.engine.images.history(ctx.params.name ?? '')) },
  {
    method: 'GET',
    path: '/images/{name*}/json',
    handler: async (ctx) => ctx.send(inspectForVersion(await ctx.engine.images.inspect(ctx.params.name ?? ''), ctx.version)),
  },
  { method: 'POST', path: '/images/{name*}/push', handler: pushImage },
  {
    method: 'POST',
    path: '/images/{name*}/tag',
    handler: async (ctx) => {
      await ctx.engine.images.tag(ctx.params.name ?? '', ctx.query.get('repo') ?? '', optional(ctx, 'tag'));
      ctx.empty(201);
    },
  },
  {
    method: 'DELETE',
    path: '/images/{name*}',
    handler: async (ctx) =>
      ctx.send(await ctx.engine.images.remove(ctx.params.name ?? '', { force: ctx.bool('force'), noprune: ctx.bool('noprune') })),
  },
];
