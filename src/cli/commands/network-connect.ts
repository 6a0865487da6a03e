// `gantry network connect NETWORK CONTAINER`: attaches a running container.
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { isNotFound } from '../../errdefs/index.js';
import { openNetworks } from './network-ls.js';

/** A container name or id prefix to its id, through the engine's container store; a raw id when there is none. */
export async function resolveContainerId(ctx: CliContext, ref: string): Promise<string> {
  const { ContainerStore } = await import('../../engine/store.js');
  try {
    return (await new ContainerStore(ctx.globals.root, ctx.globals.runroot).lookup(ref)).Id;
  } catch (err) {
    // A networked container the engine does not know (e.g. set up by another tool) is addressed by id.
    if (isNotFound(err) && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref)) {
      const svc = await openNetworks(ctx);
      if (await svc.containerNetworking(ref)) return ref;
    }
    throw err;
  }
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
    const id = await resolveContainerId(ctx, ref);
    const svc = await openNetworks(ctx);
    const ip = flags.ip as string | undefined;
    await svc.connect(id, network, { aliases: flags.alias as string[], ...(ip ? { ip } : {}) });
  },
};
