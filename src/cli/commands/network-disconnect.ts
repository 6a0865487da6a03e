// `gantry network disconnect NETWORK CONTAINER`.
import type { Command } from '../command.js';
import { openNetworks } from './network-ls.js';
import { resolveContainerId } from './network-connect.js';

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
    const id = await resolveContainerId(ctx, ref);
    const svc = await openNetworks(ctx);
    await svc.disconnect(id, network, { force: flags.force === true });
  },
};
