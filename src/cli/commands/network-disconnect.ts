// `gantry network disconnect NETWORK CONTAINER`.
import type { Command } from '../command.js';
import { openNetworks } from './network-ls.js';
import { withNetworkTarget } from './network-connect.js';

export const command: Command = {
  spec: {
    name: 'network disconnect',
    usage: '[OPTIONS] NETWORK CONTAINER',
    description: 'Disconnect a container from a network',
    minArgs: 2,
    maxArgs: 2,
    flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the container to disconnect from a network' }],
  },
  async run(ctx, { flags, args }) {
    const [network, ref] = args as [string, string];
    const o = { force: flags.force === true };
    await withNetworkTarget(
      ctx,
      ref,
      (c) => c.disconnectNetwork(ref, network, o),
      async (id) => (await openNetworks(ctx)).disconnect(id, network, o),
    );
  },
};
