// Public API of the network layer (what the engine codes against).
import { CniNetworkService, type NetworkService, type NetworkServiceOptions } from './service.js';

export type { LiveContainers, NetworkService, NetworkServiceOptions } from './service.js';
export type * from './types.js';
export { buildHostsFile, parseExtraHost, type HostsFileOptions, type HostsEntry } from './hosts.js';
export { buildResolvConf, parseResolvConf, DEFAULT_NAMESERVERS, type ResolvConfOptions } from './resolvconf.js';
export { parsePublish } from './publish.js';
export { DEFAULT_NETWORK, DEFAULT_BRIDGE } from './store.js';

export async function openNetworkService(opts: NetworkServiceOptions): Promise<NetworkService> {
  const svc = new CniNetworkService(opts);
  await svc.init();
  return svc;
}
