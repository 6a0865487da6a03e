// `gantry network disconnect NETWORK CONTAINER`.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

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
    const [network, container] = args as [string, string];
    const engine = await openEngine(ctx);
    await engine.networks.disconnect(network, { Container: container, Force: flags.force === true }).finally(() => engine.close());
  },
};
