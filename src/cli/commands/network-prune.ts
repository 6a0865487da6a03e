// `gantry network prune`: removes every user-defined network no container uses.
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';

export const command: Command = {
  spec: {
    name: 'network prune',
    usage: '[OPTIONS]',
    description: 'Remove all unused networks',
    maxArgs: 0,
    flags: [
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags(flags.filter as string[]);
    if (!flags.force) {
      if (!(await confirmPrune(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return;
    }
    const engine = await openEngine(ctx);
    const removed = (await engine.networks.prune(filters).finally(() => engine.close())).NetworksDeleted ?? [];
    if (removed.length > 0) ctx.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n}\n`).join('')}`);
  },
};
