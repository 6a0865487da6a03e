// ImagesAPI over the Docker Engine API: /images/... (pull and import are
// POST /images/create, as in docker's API).
import type { Readable } from 'node:stream';
import type { ImagesAPI } from '../api.js';
import type { AuthConfig, HistoryItem, ImageInspect, ImagePruneReport, ImageRemoveItem, ImageSummary } from '../api-types.js';
import { pathPart, type Transport } from './transport.js';
import { consumeProgress } from './streams.js';

/** X-Registry-Auth: base64url JSON (padded, as Go's base64.URLEncoding writes it). */
export function encodeAuth(auth: AuthConfig | undefined): string {
  return Buffer.from(JSON.stringify(auth ?? {})).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export function remoteImages(t: Transport): ImagesAPI {
  const i = (name: string, rest = '') => `/images/${pathPart(name)}${rest}`;
  return {
    async pull(opts) {
      const res = await t.request('POST', '/images/create', {
        query: { fromImage: opts.fromImage, tag: opts.tag, platform: opts.platform },
        headers: opts.auth ? { 'X-Registry-Auth': encodeAuth(opts.auth) } : {},
        signal: opts.signal,
      });
      await consumeProgress(res, opts.onProgress, opts.signal);
    },
    async push(name, opts) {
      // The daemon requires the header; an empty config means anonymous.
      const res = await t.request('POST', i(name, '/push'), { query: { tag: opts.tag }, headers: { 'X-Registry-Auth': encodeAuth(opts.auth) }, signal: opts.signal });
      await consumeProgress(res, opts.onProgress, opts.signal);
    },
    async import(source, opts) {
      const fromUrl = typeof source === 'string';
      const res = await t.request('POST', '/images/create', {
        query: { fromSrc: fromUrl ? source : '-', repo: opts.repo, tag: opts.tag, changes: opts.changes, message: opts.message, platform: opts.platform },
        body: fromUrl ? undefined : (source as Readable),
      });
      const messages = await consumeProgress(res, opts.onProgress);
      // The last status line is the new image's ID.
      const id = messages.map((m) => m.status).filter((s): s is string => !!s && /^(sha256:)?[0-9a-f]{12,64}$/.test(s)).pop();
      if (!id) throw new Error('import: the daemon reported no image ID');
      return id;
    },
    list: (opts = {}) => t.json<ImageSummary[]>('GET', '/images/json', { query: { all: opts.all, digests: opts.digests, filters: opts.filters && JSON.stringify(opts.filters) } }),
    inspect: (name) => t.json<ImageInspect>('GET', i(name, '/json')),
    history: (name) => t.json<HistoryItem[]>('GET', i(name, '/history')),
    tag: async (name, repo, tag) => void (await t.call('POST', i(name, '/tag'), { query: { repo, tag } })),
    remove: async (name, opts = {}) => (await t.json<ImageRemoveItem[] | null>('DELETE', i(name), { query: { force: opts.force, noprune: opts.noprune } })) ?? [],
    prune: (filters) => t.json<ImagePruneReport>('POST', '/images/prune', { query: { filters: filters && JSON.stringify(filters) } }),
    async load(tar, opts = {}) {
      const res = await t.request('POST', '/images/load', { query: { quiet: opts.quiet }, body: tar });
      const messages = await consumeProgress(res, opts.onProgress);
      return messages
        .flatMap((m) => (m.stream ?? '').split('\n'))
        .map((l) => l.trim())
        .filter((l) => l.startsWith('Loaded image'));
    },
    save: (names) => t.request('GET', '/images/get', { query: { names } }),
  };
}
