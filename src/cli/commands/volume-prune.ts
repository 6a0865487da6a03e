import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';
import { pruneVolumes } from '../../engine/prune.js';

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
    if (!flags.force) {
      if (!(await confirmPrune(ctx, 'WARNING! This will remove anonymous local volumes not used by at least one container.'))) return;
    }
    const engine = await openCliEngine(ctx);
    const { removed, spaceReclaimed } = await pruneVolumes(engine, { all: Boolean(flags.all) });
    if (removed.length) ctx.stdout.write(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(spaceReclaimed)}\n`);
  },
};
