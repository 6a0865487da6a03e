// VolumesAPI over the Docker Engine API: /volumes/...
import type { VolumesAPI } from '../api.js';
import type { Volume, VolumeListResponse, VolumePruneReport } from '../api-types.js';
import { pathPart, type Transport } from './transport.js';

export function remoteVolumes(t: Transport): VolumesAPI {
  const v = (name: string) => `/volumes/${pathPart(name)}`;
  return {
    async list(filters) {
      const r = await t.json<{ Volumes: Volume[] | null; Warnings: string[] | null }>('GET', '/volumes', { query: { filters: filters && JSON.stringify(filters) } });
      return { Volumes: r.Volumes ?? [], Warnings: r.Warnings ?? null } satisfies VolumeListResponse;
    },
    create: (req) => t.json<Volume>('POST', '/volumes/create', { json: req }),
    inspect: (name) => t.json<Volume>('GET', v(name)),
    remove: async (name, opts = {}) => void (await t.call('DELETE', v(name), { query: { force: opts.force } })),
    prune: (filters) => t.json<VolumePruneReport>('POST', '/volumes/prune', { query: { filters: filters && JSON.stringify(filters) } }),
  };
}
