// `gantry network connect NETWORK CONTAINER`: attaches a container (now if it
// runs, at its next start otherwise).
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

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
    const [network, container] = args as [string, string];
    const ip = flags.ip as string | undefined;
    const engine = await openEngine(ctx);
    await engine.networks
      .connect(network, { Container: container, EndpointConfig: { Aliases: flags.alias as string[], ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) } })
      .finally(() => engine.close());
  },
};
