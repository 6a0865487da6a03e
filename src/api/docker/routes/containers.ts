// The /containers routes: a translation of each to the Engine's containers
// part, with dockerd's parameters, defaults and statuses.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ContainerCreateBody, ContainerUpdateConfig, Engine } from '../../../engine/api.js';
import type { DockerConfig } from '../../../engine/docker-types.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { Route, RouteContext } from '../route.js';
import { compareVersions } from '../api-version.js';
import { clientGone } from '../context.js';
import { MULTIPLEXED_STREAM, RAW_STREAM } from '../hijack.js';
import { relaySession, sendReadable } from '../io-session.js';
import { stdcopyFrame } from '../stdcopy.js';

const id = (ctx: RouteContext) => ctx.params.id!;

/** A query parameter that must be there (dockerd's 400 for a missing one). */
function required(ctx: RouteContext, name: string): string {
  const v = ctx.query.get(name);
  if (v === null || v === '') throw invalidArgument(`${name} is required`);
  return v;
}

function requiredInt(ctx: RouteContext, name: string): number {
  const v = ctx.int(name);
  if (v === undefined) throw invalidArgument(`invalid value for ${name}: strconv.Atoi: parsing "": invalid syntax`);
  return v;
}

/** Optional string parameter: absent and empty alike are undefined. */
const optional = (ctx: RouteContext, name: string): string | undefined => ctx.query.get(name) || undefined;

const isTty = async (engine: Engine, ref: string) => Boolean((await engine.containers.inspect(ref)).Config.Tty);

/** Unix seconds as docker's clients send them ("1700000000.123456789", or RFC 3339); 0 = no bound. */
function timeParam(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (!raw) return undefined;
  const n = Number(raw);
  if (Number.isFinite(n)) return n;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw invalidArgument(`invalid value for ${name}: ${raw}`);
  return ms / 1000;
}

async function write(res: ServerResponse, chunk: Buffer | string): Promise<void> {
  if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

const pathStatHeader = (stat: unknown) => Buffer.from(JSON.stringify(stat)).toString('base64');

async function logs(ctx: RouteContext): Promise<void> {
  const stdout = ctx.bool('stdout');
  const stderr = ctx.bool('stderr');
  if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
  const tty = await isTty(ctx.engine, id(ctx));
  const tailRaw = ctx.query.get('tail');
  const tail = tailRaw && /^\d+$/.test(tailRaw) ? Number(tailRaw) : undefined;
  const gone = clientGone(ctx.res);
  const lines = await ctx.engine.containers.logs(id(ctx), {
    follow: ctx.bool('follow'),
    stdout,
    stderr,
    since: timeParam(ctx, 'since'),
    until: timeParam(ctx, 'until'),
    timestamps: ctx.bool('timestamps'),
    tail,
    signal: gone,
  });
  // dockerd names the framing in the content type from 1.42 on.
  const multiplexed = !tty && compareVersions(ctx.version, '1.42') >= 0;
  ctx.res.writeHead(200, { 'Content-Type': multiplexed ? MULTIPLEXED_STREAM : RAW_STREAM });
  ctx.res.flushHeaders();
  try {
    for await (const { stream, data } of lines) {
      if (gone.aborted) break;
      await write(ctx.res, tty ? data : stdcopyFrame(stream, data));
    }
  } catch (err) {
    if (!gone.aborted) throw err;
  }
  ctx.res.end();
}

async function wait(ctx: RouteContext): Promise<void> {
  const condition = ctx.query.get('condition') || 'not-running';
  if (condition !== 'not-running' && condition !== 'next-exit' && condition !== 'removed') throw invalidArgument(`invalid condition: ${JSON.stringify(condition)}`);
  const { result } = await ctx.engine.containers.wait(id(ctx), condition);
  // Headers now: the client knows the wait is registered before it starts the container.
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  let body: unknown;
  try {
    body = await result;
  } catch (err) {
    body = { StatusCode: -1, Error: { Message: err instanceof Error ? err.message : String(err) } };
  }
  ctx.res.end(JSON.stringify(body) + '\n');
}

async function attach(ctx: RouteContext): Promise<void> {
  const tty = await isTty(ctx.engine, id(ctx));
  const stdin = ctx.bool('stdin');
  const session = await ctx.engine.containers.attach(id(ctx), {
    stdin,
    stdout: ctx.bool('stdout'),
    stderr: ctx.bool('stderr'),
    logs: ctx.bool('logs'),
    detachKeys: optional(ctx, 'detachKeys'),
  });
  relaySession(ctx, session, { tty, stdin });
}

async function stats(ctx: RouteContext): Promise<void> {
  const stream = ctx.bool('stream', true);
  const gone = clientGone(ctx.res);
  const samples = ctx.engine.containers.stats(id(ctx), { stream, oneShot: ctx.bool('one-shot'), signal: gone })[Symbol.asyncIterator]();
  // The first sample before the headers: a missing container is still a 404.
  const first = await samples.next();
  if (!stream) {
    await samples.return?.();
    return first.done ? ctx.send(null) : ctx.send(first.value);
  }
  const out = ctx.stream();
  try {
    for (let next = first; !next.done && !out.closed.aborted; next = await samples.next()) out.write(next.value);
  } catch (err) {
    if (!out.closed.aborted) throw err;
  } finally {
    await samples.return?.();
  }
  out.end();
}

async function archiveGet(ctx: RouteContext): Promise<void> {
  const { stat, tar } = await ctx.engine.containers.archiveGet(id(ctx), required(ctx, 'path'));
  await sendReadable(ctx.res, tar, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': pathStatHeader(stat) });
}

async function archiveHead(ctx: RouteContext): Promise<void> {
  const stat = await ctx.engine.containers.archiveStat(id(ctx), required(ctx, 'path'));
  ctx.res.setHeader('X-Docker-Container-Path-Stat', pathStatHeader(stat));
  ctx.empty(200);
}

async function archivePut(ctx: RouteContext): Promise<void> {
  await ctx.engine.containers.archivePut(id(ctx), required(ctx, 'path'), ctx.req as Readable, {
    noOverwriteDirNonDir: ctx.bool('noOverwriteDirNonDir'),
    copyUIDGID: ctx.bool('copyUIDGID'),
  });
  ctx.empty(200);
}

async function commit(ctx: RouteContext): Promise<void> {
  const config = await ctx.json<Partial<DockerConfig> | null>();
  const result = await ctx.engine.containers.commit(required(ctx, 'container'), {
    repo: optional(ctx, 'repo'),
    tag: optional(ctx, 'tag'),
    comment: optional(ctx, 'comment'),
    author: optional(ctx, 'author'),
    // dockerd pauses unless told not to.
    pause: ctx.bool('pause', true),
    changes: ctx.query.getAll('changes').filter((c) => c !== ''),
    ...(config && Object.keys(config).length ? { config } : {}),
  });
  ctx.send(result, 201);
}

/**
 * Go clients send a nil slice or map as null ("Env": null, "Binds": null):
 * for dockerd's decoder that is the field left out, so it is left out here,
 * and the engine sees the Partial<> shapes the interface promises.
 */
function withoutNulls<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as T;
}

function createBody(body: ContainerCreateBody): ContainerCreateBody {
  const out = withoutNulls(body);
  if (body.HostConfig) out.HostConfig = withoutNulls(body.HostConfig);
  return out;
}

const stopOptions = (ctx: RouteContext) => ({ t: ctx.int('t'), signal: optional(ctx, 'signal') });

export const containerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/create',
    async handler(ctx) {
      const body = await ctx.json<ContainerCreateBody>();
      if (!body || typeof body !== 'object') throw invalidArgument('config cannot be empty in order to create a container');
      ctx.send(await ctx.engine.containers.create(createBody(body), { name: optional(ctx, 'name'), platform: optional(ctx, 'platform') }), 201);
    },
  },
  {
    method: 'GET',
    path: '/containers/json',
    async handler(ctx) {
      ctx.send(await ctx.engine.containers.list({ all: ctx.bool('all'), limit: ctx.int('limit'), size: ctx.bool('size'), filters: ctx.filters() }));
    },
  },
  { method: 'POST', path: '/containers/prune', handler: async (ctx) => ctx.send(await ctx.engine.containers.prune(ctx.filters())) },
  { method: 'GET', path: '/containers/{id}/json', handler: async (ctx) => ctx.send(await ctx.engine.containers.inspect(id(ctx), { size: ctx.bool('size') })) },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    handler: async (ctx) => ctx.empty((await ctx.engine.containers.start(id(ctx), { detachKeys: optional(ctx, 'detachKeys') })) ? 204 : 304),
  },
  { method: 'POST', path: '/containers/{id}/stop', handler: async (ctx) => ctx.empty((await ctx.engine.containers.stop(id(ctx), stopOptions(ctx))) ? 204 : 304) },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    async handler(ctx) {
      await ctx.engine.containers.restart(id(ctx), stopOptions(ctx));
      ctx.empty();
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/kill',
    async handler(ctx) {
      await ctx.engine.containers.kill(id(ctx), optional(ctx, 'signal'));
      ctx.empty();
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/pause',
    async handler(ctx) {
      await ctx.engine.containers.pause(id(ctx));
      ctx.empty();
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/unpause',
    async handler(ctx) {
      await ctx.engine.containers.unpause(id(ctx));
      ctx.empty();
    },
  },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    async handler(ctx) {
      await ctx.engine.containers.remove(id(ctx), { force: ctx.bool('force'), v: ctx.bool('v'), link: ctx.bool('link') });
      ctx.empty();
    },
  },
  { method: 'POST', path: '/containers/{id}/wait', handler: wait },
  { method: 'GET', path: '/containers/{id}/logs', handler: logs },
  { method: 'POST', path: '/containers/{id}/attach', handler: attach },
  {
    method: 'POST',
    path: '/containers/{id}/resize',
    async handler(ctx) {
      await ctx.engine.containers.resize(id(ctx), requiredInt(ctx, 'h'), requiredInt(ctx, 'w'));
      ctx.empty(200);
    },
  },
  { method: 'GET', path: '/containers/{id}/top', handler: async (ctx) => ctx.send(await ctx.engine.containers.top(id(ctx), optional(ctx, 'ps_args'))) },
  { method: 'GET', path: '/containers/{id}/stats', handler: stats },
  { method: 'GET', path: '/containers/{id}/archive', handler: archiveGet },
  { method: 'HEAD', path: '/containers/{id}/archive', handler: archiveHead },
  { method: 'PUT', path: '/containers/{id}/archive', handler: archivePut },
  { method: 'GET', path: '/containers/{id}/changes', handler: async (ctx) => ctx.send(await ctx.engine.containers.changes(id(ctx))) },
  {
    method: 'GET',
    path: '/containers/{id}/export',
    handler: async (ctx) => sendReadable(ctx.res, await ctx.engine.containers.export(id(ctx)), { 'Content-Type': 'application/x-tar' }),
  },
  { method: 'POST', path: '/commit', handler: commit },
  {
    method: 'POST',
    path: '/containers/{id}/rename',
    async handler(ctx) {
      await ctx.engine.containers.rename(id(ctx), required(ctx, 'name'));
      ctx.empty();
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/update',
    handler: async (ctx) => ctx.send(await ctx.engine.containers.update(id(ctx), await ctx.json<ContainerUpdateConfig>())),
  },
];
