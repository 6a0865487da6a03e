// `gantry builder prune [-a] [-f]`: docker's build cache prune. Without -a
// only the cache no tagged image is made of goes.
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';
import { humanSize } from '../units.js';

export const command: Command = {
  spec: {
    name: 'builder prune',
    usage: '[OPTIONS]',
    description: 'Remove build cache',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=24h")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
      { name: 'keep-storage', type: 'string', description: 'Amount of disk space to keep for cache' },
    ],
  },
  async run(ctx, { flags }) {
    if (!flags.force) {
      const warning = flags.all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
      if (!(await confirmPrune(ctx, warning))) return;
    }
    const engine = await openEngine(ctx);
    try {
      const report = await engine.system.buildPrune({ all: flags.all === true, filters: parseFilterFlags(flags.filter as string[] | undefined) });
      const deleted = report.CachesDeleted ?? [];
      if (deleted.length) ctx.stdout.write(`Deleted build cache objects:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
      ctx.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed)}\n`);
    } finally {
      await engine.close();
    }
  },
};
