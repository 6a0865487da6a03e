// `gantry system prune [-a] [-f] [--volumes] [--filter]`: container, volume,
// network, image and build cache prune through the engine, in docker's order.
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';

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
    const filters = parseFilterFlags(flags.filter as string[]);
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
    const engine = await openEngine(ctx);
    const section = (title: string, lines: string[] | null) => (lines?.length ? ctx.stdout.write(`${title}:\n${lines.map((l) => `${l}\n`).join('')}\n`) : undefined);
    let reclaimed = 0;
    try {
      const containers = await engine.containers.prune(filters);
      section('Deleted Containers', containers.ContainersDeleted);
      reclaimed += containers.SpaceReclaimed;
      if (flags.volumes) {
        // until is not a volume filter (docker's CLI drops it too)
        const { until: _until, ...volumeFilters } = filters;
        const volumes = await engine.volumes.prune(volumeFilters);
        section('Deleted Volumes', volumes.VolumesDeleted);
        reclaimed += volumes.SpaceReclaimed;
      }
      section('Deleted Networks', (await engine.networks.prune(filters)).NetworksDeleted);
      const images = await engine.images.prune({ ...filters, dangling: [flags.all ? 'false' : 'true'] });
      section('Deleted Images', (images.ImagesDeleted ?? []).map((r) => ('Untagged' in r ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`)));
      reclaimed += images.SpaceReclaimed;
      const cache = await engine.system.buildPrune({ all: flags.all === true, filters });
      section('Deleted build cache objects', cache.CachesDeleted);
      reclaimed += cache.SpaceReclaimed;
    } finally {
      await engine.close();
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
