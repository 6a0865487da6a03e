// ContainersAPI over the Docker Engine API: /containers/... and /commit.
import type { ContainerInspect, ContainerSummary } from '../docker-types.js';
import type { ContainersAPI, ImagesAPI } from '../api.js';
import type { ContainerChange, ContainerPruneReport, ContainerStatsJSON, ContainerTop, PathStat } from '../api-types.js';
import { isNotFound } from '../../errdefs/index.js';
import { dockerTimestamp, minVersion, pathPart, type Transport } from './transport.js';
import { jsonLines, logFrames } from './streams.js';
import { hijackedSession } from './session.js';

const RAW_STREAM = 'application/vnd.docker.raw-stream';
const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export function remoteContainers(t: Transport, images: ImagesAPI): ContainersAPI {
  const c = (ref: string, rest = '') => `/containers/${pathPart(ref)}${rest}`;
  const inspect = (ref: string, opts: { size?: boolean } = {}) => t.json<ContainerInspect>('GET', c(ref, '/json'), { query: { size: opts.size } });

  const api: ContainersAPI = {
    async create(body, opts = {}) {
      const post = () => t.json<{ Id: string; Warnings: string[] | null }>('POST', '/containers/create', { query: { name: opts.name, platform: opts.platform }, json: body });
      // A name without tag or digest means :latest, as the docker CLI sends it (a bare name would pull every tag).
      const pull = () => images.pull({ fromImage: body.Image, tag: hasTagOrDigest(body.Image) ? undefined : 'latest', platform: opts.platform, onProgress: opts.onPullProgress });
      if (opts.pull === 'always') await pull();
      let created;
      try {
        created = await post();
      } catch (err) {
        // The daemon never pulls on create: like the docker CLI, pull on "No such image" and retry once.
        if (opts.pull !== 'missing' || !isNotFound(err) || !/image/i.test((err as Error).message)) throw err;
        await pull();
        created = await post();
      }
      return { Id: created.Id, Warnings: created.Warnings ?? [] };
    },
    list: (opts = {}) =>
      t.json<ContainerSummary[]>('GET', '/containers/json', {
        query: { all: opts.all, limit: opts.limit, size: opts.size, filters: opts.filters && JSON.stringify(opts.filters) },
      }),
    inspect,
    start: async (ref, opts = {}) => (await t.call('POST', c(ref, '/start'), { query: { detachKeys: opts.detachKeys }, accept: [304] })) !== 304,
    stop: async (ref, opts = {}) => (await t.call('POST', c(ref, '/stop'), { query: { t: opts.t, signal: opts.signal }, accept: [304] })) !== 304,
    restart: async (ref, opts = {}) => void (await t.call('POST', c(ref, '/restart'), { query: { t: opts.t, signal: opts.signal } })),
    kill: async (ref, signal) => void (await t.call('POST', c(ref, '/kill'), { query: { signal } })),
    pause: async (ref) => void (await t.call('POST', c(ref, '/pause'))),
    unpause: async (ref) => void (await t.call('POST', c(ref, '/unpause'))),
    remove: async (ref, opts = {}) => void (await t.call('DELETE', c(ref), { query: { force: opts.force, v: opts.v, link: opts.link } })),
    async wait(ref, condition) {
      // The daemon sends the headers once the wait is registered, the body when the condition is met.
      const res = await t.request('POST', c(ref, '/wait'), { query: { condition } });
      const result = (async () => {
        let body: { StatusCode: number; Error?: { Message: string } | null } | undefined;
        for await (const v of jsonLines<typeof body>(res)) body = v;
        if (!body) throw new Error(`wait for ${ref}: the daemon closed the connection without a result`);
        return body;
      })();
      // The caller may not await the result at all (it only wanted the registration).
      result.catch(() => undefined);
      return { result };
    },
    async logs(ref, opts) {
      // As docker's CLI does: the framing depends on the container's tty.
      const { Config } = await inspect(ref);
      const res = await t.request('GET', c(ref, '/logs'), {
        query: {
          follow: opts.follow,
          stdout: opts.stdout ?? true,
          stderr: opts.stderr ?? true,
          since: dockerTimestamp(opts.since),
          until: dockerTimestamp(opts.until),
          timestamps: opts.timestamps,
          tail: opts.tail === undefined ? 'all' : opts.tail,
        },
        signal: opts.signal,
      }).catch((err: unknown) => {
        if (opts.signal?.aborted) return undefined;
        throw err;
      });
      return res ? logFrames(res, Config.Tty === true, opts.signal) : (async function* () {})();
    },
    async attach(ref, opts) {
      const conn = await t.hijack('POST', c(ref, '/attach'), {
        query: { stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, logs: opts.logs, detachKeys: opts.detachKeys },
      });
      // Since API 1.42 the content type says whether the stream is framed; older daemons send raw-stream for both.
      const typed = minVersion((await t.negotiated()).apiVersion, '1.42') === '1.42';
      const tty =
        conn.contentType === MULTIPLEXED_STREAM
          ? false
          : conn.contentType === RAW_STREAM && typed
            ? true
            : await inspect(ref).then(
                (i) => i.Config.Tty === true,
                (err: unknown) => {
                  conn.socket.destroy();
                  throw err;
                },
              );
      return hijackedSession(conn, tty);
    },
    resize: async (ref, h, w) => void (await t.call('POST', c(ref, '/resize'), { query: { h, w } })),
    top: (ref, psArgs) => t.json<ContainerTop>('GET', c(ref, '/top'), { query: { ps_args: psArgs } }),
    async *stats(ref, opts) {
      const res = await t.request('GET', c(ref, '/stats'), { query: { stream: opts.stream, 'one-shot': opts.oneShot }, signal: opts.signal }).catch((err: unknown) => {
        if (opts.signal?.aborted) return undefined;
        throw err;
      });
      if (res) yield* jsonLines<ContainerStatsJSON>(res, opts.signal);
    },
    async archiveStat(ref, path) {
      const res = await t.request('HEAD', c(ref, '/archive'), { query: { path } });
      res.resume();
      return decodePathStat(res.headers['x-docker-container-path-stat']);
    },
    async archiveGet(ref, path) {
      const res = await t.request('GET', c(ref, '/archive'), { query: { path } });
      return { stat: decodePathStat(res.headers['x-docker-container-path-stat']), tar: res };
    },
    archivePut: async (ref, path, tar, opts = {}) =>
      void (await t.call('PUT', c(ref, '/archive'), {
        query: { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, copyUIDGID: opts.copyUIDGID },
        body: tar,
        contentType: 'application/x-tar',
      })),
    changes: async (ref) => (await t.json<ContainerChange[] | null>('GET', c(ref, '/changes'))) ?? [],
    export: (ref) => t.request('GET', c(ref, '/export')),
    commit: (ref, opts) =>
      t.json<{ Id: string }>('POST', '/commit', {
        query: { container: ref, repo: opts.repo, tag: opts.tag, comment: opts.comment, author: opts.author, pause: opts.pause, changes: opts.changes },
        json: opts.config ?? {},
      }),
    prune: (filters) => t.json<ContainerPruneReport>('POST', '/containers/prune', { query: { filters: filters && JSON.stringify(filters) } }),
    rename: async (ref, name) => void (await t.call('POST', c(ref, '/rename'), { query: { name } })),
    update: async (ref, config) => {
      const r = await t.json<{ Warnings: string[] | null }>('POST', c(ref, '/update'), { json: config });
      return { Warnings: r?.Warnings ?? [] };
    },
  };
  return api;
}

/** "busybox:1.36", "r:5000/x@sha256:..." yes; "busybox", "r:5000/x" no (the port's colon is not a tag's). */
export function hasTagOrDigest(ref: string): boolean {
  return ref.includes('@') || ref.slice(ref.lastIndexOf('/') + 1).includes(':');
}

/** X-Docker-Container-Path-Stat: base64 JSON of the path's stat. */
export function decodePathStat(header: string | string[] | undefined): PathStat {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new Error('the daemon sent no X-Docker-Container-Path-Stat header');
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as PathStat;
}
