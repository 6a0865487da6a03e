// SystemAPI over the Docker Engine API: /_ping, /version, /info, /system/df,
// /events, /auth and /build/prune.
import type { EngineEvent } from '../events.js';
import type { SystemAPI } from '../api.js';
import type { BuildPruneReport, SystemDf, SystemInfo, SystemVersion } from '../api-types.js';
import { dockerTimestamp, type Transport } from './transport.js';
import { jsonLines } from './streams.js';

export function remoteSystem(t: Transport): SystemAPI {
  return {
    async ping() {
      const { headers } = await t.ping();
      const osType = headers['ostype'];
      return { apiVersion: String(headers['api-version'] ?? ''), osType: typeof osType === 'string' ? osType : 'linux' };
    },
    version: () => t.json<SystemVersion>('GET', '/version'),
    info: () => t.json<SystemInfo>('GET', '/info'),
    df: (opts = {}) => t.json<SystemDf>('GET', '/system/df', { query: { type: opts.type } }),
    async *events(opts) {
      const res = await t
        .request('GET', '/events', {
          query: { since: dockerTimestamp(opts.since), until: dockerTimestamp(opts.until), filters: opts.filters && JSON.stringify(opts.filters) },
          signal: opts.signal,
        })
        .catch((err: unknown) => {
          if (opts.signal?.aborted) return undefined;
          throw err;
        });
      if (res) yield* jsonLines<EngineEvent>(res, opts.signal);
    },
    auth: (config) => t.json<{ Status: string; IdentityToken?: string }>('POST', '/auth', { json: config }),
    buildPrune: (opts = {}) =>
      t.json<BuildPruneReport>('POST', '/build/prune', { query: { all: opts.all, 'keep-storage': opts.keepStorage, filters: opts.filters && JSON.stringify(opts.filters) } }),
  };
}
