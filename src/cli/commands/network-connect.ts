// `gantry network connect NETWORK CONTAINER`: attaches a container (now if it
// runs, at its next start otherwise) and records it in the container's NetworkSettings.
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { isNotFound } from '../../errdefs/index.js';
import type { Containers } from '../../engine/containers.js';
import { openNetworks } from './network-ls.js';
import { openCliEngine } from './run.js';

/**
 * Runs `viaEngine` for a container the engine knows; a networked container the
 * engine does not know (set up by another tool) is addressed by id through the service.
 */
export async function withNetworkTarget(ctx: CliContext, ref: string, viaEngine: (c: Containers) => Promise<void>, viaService: (id: string) => Promise<void>): Promise<void> {
  const engine = await openCliEngine(ctx);
  try {
    await engine.store.lookup(ref);
  } catch (err) {
    if (isNotFound(err) && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref) && (await (await openNetworks(ctx)).containerNetworking(ref))) return viaService(ref);
    throw err;
  }
  await viaEngine(engine.containers);
}

export const command: Command = {
  spec: {
    name: 'network connect',
    usage: '[OPTIONS] NETWORK CONTAINER',
    description: 'Connect a container to a network',
    minArgs: 2,
    maxArgs: 2,
    flags: [
      { name: 'alias', type: 'list', description: 'Add network-scoped alias for the container' },
      { name: 'driver-opt', type: 'list', description: 'driver options for the network' },
      { name: 'ip', type: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
      { name: 'ip6', type: 'string', description: 'IPv6 address (e.g., "2001:db8::33")' },
      { name: 'link', type: 'list', description: 'Add link to another container' },
      { name: 'link-local-ip', type: 'list', description: 'Add a link-local address for the container' },
    ],
  },
  async run(ctx, { flags, args }) {
    const [network, ref] = args as [string, string];
    const ip = flags.ip as string | undefined;
    const o = { aliases: flags.alias as string[], ...(ip ? { ip } : {}) };
    await withNetworkTarget(
      ctx,
      ref,
      (c) => c.connectNetwork(ref, network, o),
      async (id) => void (await (await openNetworks(ctx)).connect(id, network, o)),
    );
  },
};
