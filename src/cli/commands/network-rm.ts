// `gantry network rm`: removes each network, reporting failures one by one as docker does.
import type { Command } from '../command.js';
import { isNotFound } from '../../errdefs/index.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: {
    name: 'network rm',
    usage: 'NETWORK [NETWORK...]',
    description: 'Remove one or more networks',
    minArgs: 1,
    flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Do not error if the network does not exist' }],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    let failed = false;
    for (const ref of args) {
      try {
        await engine.networks.remove(ref);
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        if (flags.force && isNotFound(err)) continue;
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
        failed = true;
      }
    }
    await engine.close();
    return failed ? 1 : 0;
  },
};
