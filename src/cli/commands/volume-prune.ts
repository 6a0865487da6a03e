// `gantry volume prune [-a]`: unused anonymous volumes (all unused ones with -a).
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';

export const command: Command = {
  spec: {
    name: 'volume prune',
    usage: '[OPTIONS]',
    description: 'Remove unused local volumes',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags(flags.filter as string[]);
    // docker's CLI sends -a as the all=true filter (API >= 1.42)
    if (flags.all) filters.all = ['true'];
    if (!flags.force) {
      const what = flags.all ? 'all local volumes' : 'anonymous local volumes';
      if (!(await confirmPrune(ctx, `WARNING! This will remove ${what} not used by at least one container.`))) return;
    }
    const engine = await openEngine(ctx);
    const { VolumesDeleted: removed, SpaceReclaimed } = await engine.volumes.prune(filters).finally(() => engine.close());
    if (removed?.length) ctx.stdout.write(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(SpaceReclaimed)}\n`);
  },
};
