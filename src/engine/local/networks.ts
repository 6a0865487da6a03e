// The Engine interface's networks, in-process over the network service (loaded
// on first use) and the engine's containers: docker's create request checks,
// connect/disconnect by container reference, prune filters, and the network
// events dockerd emits.
import type { NetworksAPI } from '../api.js';
import type { Filters, NetworkCreateRequest, NetworkInspect, NetworkPruneReport } from '../api-types.js';
import type { EngineCore } from '../engine.js';
import { invalidArgument, isNotFound, notFound } from '../../errdefs/index.js';
import type { CreateNetworkOptions } from '../../network/index.js';
import { keptByPruneFilters } from '../prune-filters.js';

const PRUNE_FILTERS = new Set(['until', 'label', 'label!']);

/** dockerd's checks of POST /networks/create, onto the network layer's options. */
export function createOptions(req: NetworkCreateRequest): CreateNetworkOptions {
  const driver = req.Driver || 'bridge';
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  if (req.EnableIPv6) throw invalidArgument('IPv6 networks are not supported');
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
  const configs = req.IPAM?.Config ?? [];
  if (configs.length > 1) throw invalidArgument('only one IPAM config per network is supported (IPv4 only)');
  const c = configs[0] ?? {};
  return {
    name: req.Name,
    driver: 'bridge',
    ...(c.Subnet ? { subnet: c.Subnet } : {}),
    ...(c.Gateway ? { gateway: c.Gateway } : {}),
    ...(c.IPRange ? { ipRange: c.IPRange } : {}),
    internal: req.Internal === true,
    options: req.Options ?? {},
    labels: req.Labels ?? {},
  };
}

export function localNetworks(core: EngineCore): NetworksAPI {
  const service = () => core.networking.service();
  const emit = (action: string, net: Pick<NetworkInspect, 'Id' | 'Name' | 'Driver'>, attrs: Record<string, string> = {}) =>
    core.events.emit({ Type: 'network', Action: action, Actor: { ID: net.Id, Attributes: { ...attrs, name: net.Name, type: net.Driver } } });

  /**
   * The container's full ID and whether the engine knows it. A container the
   * engine does not know but the network layer has set up (another tool's, by
   * ID) is addressed through the service alone.
   */
  const target = async (ref: string): Promise<{ id: string; known: boolean }> => {
    try {
      return { id: (await core.store.lookup(ref)).Id, known: true };
    } catch (err) {
      if (isNotFound(err) && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref) && (await (await service()).containerNetworking(ref))) return { id: ref, known: false };
      throw err;
    }
  };

  return {
    async list(filters: Filters = {}) {
      return (await service()).list(filters);
    },

    async inspect(ref) {
      return (await service()).inspect(ref);
    },

    async create(req) {
      if (!req.Name) throw invalidArgument('network name must not be empty');
      const net = await (await service()).create(createOptions(req));
      emit('create', net);
      return { Id: net.Id, Warning: '' };
    },

    async remove(ref) {
      const svc = await service();
      const net = await svc.inspect(ref);
      await svc.remove(net.Id);
      emit('destroy', net);
    },

    async connect(ref, req) {
      const svc = await service();
      const net = await svc.inspect(ref);
      const { id, known } = await target(req.Container);
      const ip = req.EndpointConfig?.IPAMConfig?.IPv4Address;
      const o = { aliases: req.EndpointConfig?.Aliases ?? [], ...(ip ? { ip } : {}) };
      if (known) await core.containers.connectNetwork(id, net.Name, o);
      else await svc.connect(id, net.Name, o);
      emit('connect', net, { container: id });
    },

    async disconnect(ref, req) {
      const svc = await service();
      const net = await svc.inspect(ref).catch((err) => {
        if (req.Force && isNotFound(err)) return undefined;
        throw err;
      });
      const { id, known } = await target(req.Container);
      const o = { force: req.Force === true };
      if (known) await core.containers.disconnectNetwork(id, net?.Name ?? ref, o);
      else await svc.disconnect(id, net?.Name ?? ref, o);
      if (net) emit('disconnect', net, { container: id });
    },

    async prune(filters: Filters = {}): Promise<NetworkPruneReport> {
      for (const k of Object.keys(filters)) if (!PRUNE_FILTERS.has(k)) throw invalidArgument(`invalid filter '${k}'`);
      const svc = await service();
      const before = await svc.list({ type: ['custom'] });
      let removed: NetworkInspect[];
      if (Object.keys(filters).length === 0) {
        // One pass under the network metadata lock.
        const names = new Set(await svc.prune());
        removed = before.filter((n) => names.has(n.Name));
      } else {
        const now = Date.now();
        const candidates = before.filter((n) => Object.keys(n.Containers).length === 0 && !keptByPruneFilters(Date.parse(n.Created), n.Labels, filters, now));
        removed = [];
        for (const n of candidates) {
          try {
            await svc.remove(n.Id);
            removed.push(n);
          } catch {
            // a container joined it meanwhile
          }
        }
      }
      for (const n of removed) emit('destroy', n);
      core.events.emit({ Type: 'network', Action: 'prune', Actor: { ID: '', Attributes: {} } });
      return { NetworksDeleted: removed.map((n) => n.Name) };
    },
  };
}
