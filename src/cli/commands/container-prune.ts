import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';

export const command: Command = {
  spec: {
    name: 'container prune',
    usage: '[OPTIONS]',
    description: 'Remove all stopped containers',
    maxArgs: 0,
    flags: [
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags((flags.filter as string[]) ?? []);
    if (!flags.force) {
      if (!(await confirmPrune(ctx, 'WARNING! This will remove all stopped containers.'))) return;
    }
    const engine = await openEngine(ctx);
    const { ContainersDeleted, SpaceReclaimed } = await engine.containers.prune(filters);
    const removed = ContainersDeleted ?? [];
    if (removed.length) ctx.stdout.write(`Deleted Containers:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(SpaceReclaimed)}\n`);
  },
};
