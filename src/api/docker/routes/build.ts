// POST /build (the classic builder's API: a context tar in the body, options
// in the query, {"stream"} lines and {"aux":{"ID"}} out) and POST /build/prune.
import { once } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalidArgument } from '../../../errdefs/index.js';
import type { Route, RouteContext } from '../route.js';
import { discardBody } from './tar-response.js';
import { withProgressStream } from './progress-stream.js';

function jsonParam<T>(ctx: RouteContext, name: string): T | undefined {
  const v = ctx.query.get(name);
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    throw invalidArgument(`invalid ${name} parameter: ${v}`);
  }
}

/** The body as a tar stream; docker's CLI gzips it with --compress. */
function contextTar(body: Readable): Readable {
  const out = new PassThrough();
  (async () => {
    let sink: Writable | undefined;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (!sink) {
        const gzip = chunk[0] === 0x1f && chunk[1] === 0x8b;
        sink = gzip ? createGunzip() : out;
        if (gzip) sink.on('error', (e) => out.destroy(e)).pipe(out);
      }
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    (sink ?? out).end();
  })().catch((e: Error) => out.destroy(e));
  return out;
}

async function build(ctx: RouteContext): Promise<void> {
  if (ctx.query.get('remote')) {
    await discardBody(ctx);
    throw invalidArgument(`remote build contexts are not supported: ${ctx.query.get('remote')}`);
  }
  const quiet = ctx.bool('q');
  const tags = ctx.query.getAll('t').filter(Boolean);
  const { buildImage } = await import('../../../build/index.js');
  await withProgressStream(ctx, async (out) => {
    const network = ctx.query.get('networkmode') || undefined;
    const result = await buildImage(ctx.engine, {
      context: { tar: contextTar(ctx.req) },
      ...(ctx.query.get('dockerfile') ? { dockerfile: ctx.query.get('dockerfile')! } : {}),
      tags,
      buildArgs: jsonParam<Record<string, string | null>>(ctx, 'buildargs') ?? {},
      labels: jsonParam<Record<string, string>>(ctx, 'labels') ?? {},
      ...(ctx.query.get('target') ? { target: ctx.query.get('target')! } : {}),
      noCache: ctx.bool('nocache'),
      pull: ctx.bool('pull'),
      keepFailed: !ctx.bool('rm', true) && !ctx.bool('forcerm'),
      ...(network && network !== 'default' ? { network } : {}),
      ...(ctx.query.get('platform') ? { platform: ctx.query.get('platform')! } : {}),
      ...(jsonParam<string[]>(ctx, 'cachefrom')?.length ? { cacheFrom: jsonParam<string[]>(ctx, 'cachefrom')! } : {}),
      onProgress: (m) => {
        if (!quiet || m.aux) out.write(m);
      },
      signal: out.signal,
    });
    if (quiet) out.write({ stream: `${result.imageId}\n` });
  });
}

export const buildRoutes: Route[] = [
  {
    method: 'POST',
    path: '/build',
    handler: build,
  },
  {
    method: 'POST',
    path: '/build/prune',
    minVersion: '1.31',
    handler: async (ctx) => {
      const report = await ctx.engine.system.buildPrune({
        all: ctx.bool('all'),
        filters: ctx.filters(),
        // reserved-space replaced keep-storage in API 1.48; clients may send either.
        keepStorage: ctx.int('reserved-space') ?? ctx.int('keep-storage'),
      });
      ctx.send({ CachesDeleted: report.CachesDeleted ?? [], SpaceReclaimed: report.SpaceReclaimed });
    },
  },
];
