// `gantry volume rm [-f] VOLUME...`: each failure reported, as docker does.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: { name: 'volume rm', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Remove one or more volumes', minArgs: 1, flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the removal of one or more volumes' }] },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    try {
      return await forEachContainer(ctx, args, (name) => engine.volumes.remove(name, { force: flags.force === true }));
    } finally {
      await engine.close();
    }
  },
};
