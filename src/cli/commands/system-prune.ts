// `gantry system prune [-a] [-f] [--volumes]`.
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';
import { systemPrune } from '../../engine/prune.js';

export const command: Command = {
  spec: {
    name: 'system prune',
    usage: '[OPTIONS]',
    description: 'Remove unused data',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused images not just dangling ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "label=<key>=<value>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
      { name: 'volumes', type: 'bool', description: 'Prune anonymous volumes' },
    ],
  },
  async run(ctx, { flags }) {
    if (!flags.force) {
      const items = [
        'all stopped containers',
        'all networks not used by at least one container',
        ...(flags.volumes ? ['all anonymous volumes not used by at least one container'] : []),
        flags.all ? 'all images without at least one container associated to them' : 'all dangling images',
        'unused build cache',
      ];
      if (!(await confirmPrune(ctx, `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}`))) return;
    }
    const engine = await openCliEngine(ctx);
    const networks = await import('./network-ls.js').then((m) => m.openNetworks(ctx)).catch(() => undefined);
    const report = await systemPrune(engine, {
      all: Boolean(flags.all),
      volumes: Boolean(flags.volumes),
      ...(networks ? { pruneNetworks: () => networks.prune() } : {}),
    });
    const section = (title: string, lines: string[]) => (lines.length ? ctx.stdout.write(`${title}:\n${lines.map((l) => `${l}\n`).join('')}\n`) : undefined);
    section('Deleted Containers', report.containers);
    section('Deleted Networks', report.networks);
    section('Deleted Volumes', report.volumes);
    section('Deleted Images', report.images.map((r) => ('Untagged' in r ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`)));
    ctx.stdout.write(`Total reclaimed space: ${humanSize(report.spaceReclaimed)}\n`);
  },
};
