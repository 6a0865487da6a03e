// `gantry image prune [-a] [-f] [--filter]`.
import type { ImagePruneReport } from '../../engine/api.js';
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';
import { humanSize } from '../units.js';

export const command: Command = {
  spec: {
    name: 'image prune',
    usage: '[OPTIONS]',
    description: 'Remove unused images',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused images, not just dangling ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    if (!flags.force) {
      const warning = flags.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirmPrune(ctx, warning))) return;
    }
    const filters = parseFilterFlags(flags.filter as string[] | undefined);
    // the docker CLI's -a: every unused image, dockerd's dangling=false
    if (flags.all) filters.dangling = ['false'];
    const engine = await openEngine(ctx);
    let report: ImagePruneReport;
    try {
      report = await engine.images.prune(filters);
    } finally {
      await engine.close();
    }
    const deleted = report.ImagesDeleted ?? [];
    if (deleted.length > 0) {
      ctx.stdout.write('Deleted Images:\n');
      for (const r of deleted) ctx.stdout.write('Untagged' in r ? `untagged: ${r.Untagged}\n` : `deleted: ${r.Deleted}\n`);
      ctx.stdout.write('\n');
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed)}\n`);
  },
};
