// `gantry system df [-v] [--format]`: docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE table.
import type { Command } from '../command.js';
import { formatContext, formatRows } from '../template.js';
import { tabulate } from '../tabwriter.js';
import { humanSize, timeAgo } from '../units.js';
import { openCliEngine } from './run.js';
import { diskUsage, type DiskUsage } from '../../engine/disk-usage.js';
import { statusText } from '../../engine/views.js';

const TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

/** docker: "1.2MB (50%)", the percentage only when there is a size to take it of. */
const reclaimable = (bytes: number, of: number) => (of > 0 ? `${humanSize(bytes)} (${Math.trunc((100 * bytes) / of)}%)` : humanSize(bytes));

function summary(du: DiskUsage) {
  const activeContainers = du.containers.filter((c) => c.rec.State.Running);
  const containersSize = du.containers.reduce((n, c) => n + c.sizeRw, 0);
  const stoppedSize = du.containers.filter((c) => !c.rec.State.Running).reduce((n, c) => n + c.sizeRw, 0);
  const volumesSize = du.volumes.reduce((n, v) => n + v.size, 0);
  const unusedVolumes = du.volumes.filter((v) => v.links === 0).reduce((n, v) => n + v.size, 0);
  // Crash leftovers and partial downloads are image data: counted in the Images row, like docker's dangling layers.
  const imagesSize = du.layersSize + du.leftovers.size;
  const imagesReclaimable = du.imagesReclaimable + du.leftovers.reclaimable;
  return [
    { Type: 'Images', TotalCount: String(du.images.length), Active: String(du.images.filter((i) => i.containers > 0).length), Size: humanSize(imagesSize), Reclaimable: reclaimable(imagesReclaimable, imagesSize) },
    { Type: 'Containers', TotalCount: String(du.containers.length), Active: String(activeContainers.length), Size: humanSize(containersSize), Reclaimable: reclaimable(stoppedSize, containersSize) },
    { Type: 'Local Volumes', TotalCount: String(du.volumes.length), Active: String(du.volumes.filter((v) => v.links > 0).length), Size: humanSize(volumesSize), Reclaimable: reclaimable(unusedVolumes, volumesSize) },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
}

function verbose(du: DiskUsage): string {
  const images = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
  for (const i of du.images) {
    const names = i.repoTags.length ? i.repoTags : ['<none>:<none>'];
    for (const t of names) {
      const c = t.lastIndexOf(':');
      images.push([t.slice(0, c), t.slice(c + 1), i.id.replace(/^sha256:/, '').slice(0, 12), i.created ? timeAgo(i.created) : 'N/A', humanSize(i.size), humanSize(i.sharedSize), humanSize(i.size - i.sharedSize), String(i.containers)]);
    }
  }
  const containers = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']];
  for (const { rec, sizeRw } of du.containers) {
    const cmd = [rec.Path, ...rec.Args].join(' ');
    containers.push([rec.Id.slice(0, 12), rec.Gantry.imageRef, `"${cmd.length > 20 ? cmd.slice(0, 19) + '…' : cmd}"`, String(rec.Mounts.filter((m) => m.Type === 'volume').length), humanSize(sizeRw), timeAgo(rec.Created), statusText(rec), rec.Name.slice(1)]);
  }
  const volumes = [['VOLUME NAME', 'LINKS', 'SIZE'], ...du.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)])];
  // Not an image's: listed after the images so the Images row's extra bytes are explained.
  const leftovers = du.leftovers.size > 0 ? `\nUnfinished layers and downloads: ${humanSize(du.leftovers.size)} (${humanSize(du.leftovers.reclaimable)} reclaimable)\n` : '';
  return [
    `Images space usage:\n\n${tabulate(images)}${leftovers}`,
    `Containers space usage:\n\n${tabulate(containers)}`,
    `Local Volumes space usage:\n\n${tabulate(volumes)}`,
    `Build cache usage: 0B\n\n${tabulate([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']])}`,
  ].join('\n');
}

export const command: Command = {
  spec: {
    name: 'system df',
    usage: '[OPTIONS]',
    description: 'Show docker disk usage',
    maxArgs: 0,
    flags: [
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'verbose', short: 'v', type: 'bool', description: 'Show detailed information on space usage' },
    ],
  },
  async run(ctx, { flags }) {
    const engine = await openCliEngine(ctx);
    const du = await diskUsage(engine);
    if (flags.verbose && !flags.format) {
      ctx.stdout.write(verbose(du));
      return;
    }
    const rows = summary(du).map((r) => formatContext('*formatter.diskUsageContext', r));
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, TABLE));
  },
};
