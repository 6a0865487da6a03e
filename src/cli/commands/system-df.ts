// `gantry system df [-v] [--format]`: docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE table.
import type { Command } from '../command.js';
import { formatContext, formatRows } from '../template.js';
import { tabulate } from '../tabwriter.js';
import { humanSize, timeAgo } from '../units.js';
import { openEngine } from '../engine-client.js';
import type { SystemDf } from '../../engine/api.js';

const TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

/** docker: "1.2MB (50%)", the percentage only when there is a size to take it of. */
const reclaimable = (bytes: number, of: number) => (of > 0 ? `${humanSize(bytes)} (${Math.trunc((100 * bytes) / of)}%)` : humanSize(bytes));

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
/** docker's CLI: running, paused and restarting containers are active. */
const isActive = (c: SystemDf['Containers'][number]) => ['running', 'paused', 'restarting'].includes(c.State);

function summary(df: SystemDf) {
  const used = df.Images.filter((i) => i.Containers > 0);
  const containersSize = sum(df.Containers, (c) => c.SizeRw ?? 0);
  const volumeSize = (v: SystemDf['Volumes'][number]) => v.UsageData?.Size ?? 0;
  const volumesSize = sum(df.Volumes, volumeSize);
  // What a crash or a stopped pull left of image data is image data: counted in the Images row, like docker's dangling layers.
  const imagesSize = df.LayersSize + (df.UnfinishedSize ?? 0);
  const imagesReclaimable = df.LayersSize - sum(used, (i) => i.Size - i.SharedSize) + (df.UnfinishedReclaimable ?? 0);
  return [
    { Type: 'Images', TotalCount: String(df.Images.length), Active: String(used.length), Size: humanSize(imagesSize), Reclaimable: reclaimable(imagesReclaimable, imagesSize) },
    {
      Type: 'Containers',
      TotalCount: String(df.Containers.length),
      Active: String(df.Containers.filter(isActive).length),
      Size: humanSize(containersSize),
      Reclaimable: reclaimable(sum(df.Containers.filter((c) => !isActive(c)), (c) => c.SizeRw ?? 0), containersSize),
    },
    {
      Type: 'Local Volumes',
      TotalCount: String(df.Volumes.length),
      Active: String(df.Volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length),
      Size: humanSize(volumesSize),
      Reclaimable: reclaimable(sum(df.Volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0), volumeSize), volumesSize),
    },
    {
      Type: 'Build Cache',
      TotalCount: String(df.BuildCache.length),
      Active: String(df.BuildCache.filter((b) => b.InUse).length),
      Size: humanSize(sum(df.BuildCache, (b) => b.Size)),
      Reclaimable: humanSize(sum(df.BuildCache.filter((b) => !b.InUse), (b) => b.Size)),
    },
  ];
}

function verbose(df: SystemDf): string {
  const images = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
  for (const i of df.Images) {
    const names = i.RepoTags.length ? i.RepoTags : ['<none>:<none>'];
    for (const t of names) {
      const c = t.lastIndexOf(':');
      images.push([t.slice(0, c), t.slice(c + 1), i.Id.replace(/^sha256:/, '').slice(0, 12), i.Created ? timeAgo(i.Created * 1000) : 'N/A', humanSize(i.Size), humanSize(i.SharedSize), humanSize(i.Size - i.SharedSize), String(i.Containers)]);
    }
  }
  const containers = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']];
  for (const c of df.Containers) {
    const cmd = c.Command;
    containers.push([c.Id.slice(0, 12), c.Image, `"${cmd.length > 20 ? cmd.slice(0, 19) + '…' : cmd}"`, String(c.Mounts.filter((m) => m.Type === 'volume').length), humanSize(c.SizeRw ?? 0), timeAgo(c.Created * 1000), c.Status, (c.Names[0] ?? '').replace(/^\//, '')]);
  }
  const volumes = [['VOLUME NAME', 'LINKS', 'SIZE'], ...df.Volumes.map((v) => [v.Name, String(v.UsageData?.RefCount ?? 0), humanSize(v.UsageData?.Size ?? 0)])];
  // Not an image's: listed after the images so the Images row's extra bytes are explained.
  const unfinished = df.UnfinishedSize ?? 0;
  const leftovers = unfinished > 0 ? `\nUnfinished layers and downloads: ${humanSize(unfinished)} (${humanSize(df.UnfinishedReclaimable ?? 0)} reclaimable)\n` : '';
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
    const engine = await openEngine(ctx);
    const df = await engine.system.df().finally(() => engine.close());
    if (flags.verbose && !flags.format) {
      ctx.stdout.write(verbose(df));
      return;
    }
    const rows = summary(df).map((r) => formatContext('*formatter.diskUsageContext', r));
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, TABLE));
  },
};
