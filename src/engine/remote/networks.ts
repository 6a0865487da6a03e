// NetworksAPI over the Docker Engine API: /networks/...
import type { NetworksAPI } from '../api.js';
import type { NetworkCreateResponse, NetworkInspect, NetworkPruneReport } from '../api-types.js';
import { pathPart, type Transport } from './transport.js';

export function remoteNetworks(t: Transport): NetworksAPI {
  const n = (ref: string, rest = '') => `/networks/${pathPart(ref)}${rest}`;
  return {
    list: async (filters) => (await t.json<NetworkInspect[] | null>('GET', '/networks', { query: { filters: filters && JSON.stringify(filters) } })) ?? [],
    inspect: (ref, opts = {}) => t.json<NetworkInspect>('GET', n(ref), { query: { verbose: opts.verbose } }),
    create: (req) => t.json<NetworkCreateResponse>('POST', '/networks/create', { json: req }),
    remove: async (ref) => void (await t.call('DELETE', n(ref))),
    connect: async (ref, req) => void (await t.call('POST', n(ref, '/connect'), { json: req })),
    disconnect: async (ref, req) => void (await t.call('POST', n(ref, '/disconnect'), { json: req })),
    prune: (filters) => t.json<NetworkPruneReport>('POST', '/networks/prune', { query: { filters: filters && JSON.stringify(filters) } }),
  };
}
