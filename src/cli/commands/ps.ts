import type { Command } from '../command.js';
import { humanSize, timeAgo } from '../units.js';
import { openCliEngine } from './run.js';
import type { ContainerRecord } from '../../engine/store.js';
import type { EngineCore } from '../../engine/index.js';
import { containerSizeRw } from '../../engine/disk-usage.js';
import { formatPorts } from '../../engine/networking.js';
import { formatContext, formatRows } from '../template.js';
import { parseFilterFlags, psSelection } from '../ps-filters.js';

const HEADERS: Record<string, string> = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', Labels: 'LABELS', Size: 'SIZE', State: 'STATE', Mounts: 'MOUNTS', Networks: 'NETWORKS' };

export const command: Command = {
  spec: {
    name: 'ps',
    usage: '[OPTIONS]',
    description: 'List containers',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
      { name: 'filter', short: 'f', type: 'list', description: 'Filter output based on conditions provided' },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'last', short: 'n', type: 'int', default: -1, description: 'Show n last created containers (includes all states)' },
      { name: 'latest', short: 'l', type: 'bool', description: 'Show the latest created container (includes all states)' },
      { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Only display container IDs' },
      { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes' },
    ],
  },
  async run(ctx, { flags }) {
    const engine = await openCliEngine(ctx);
    await engine.containers.repair();
    const { toSummary, statusText } = await import('../../engine/views.js');
    const selection = await psSelection(engine, parseFilterFlags((flags.filter as string[]) ?? []));
    const last = flags.latest ? 1 : (flags.last as number);
    const all = Boolean(flags.all) || last > 0 || selection.all;
    let recs = await Promise.all((await engine.store.list()).filter((r) => r.Gantry.creator === undefined).map((r) => engine.containers.view(r)));
    recs.sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    recs = selection.filter(recs, all);
    if (last > 0) recs = recs.slice(0, last);
    const noTrunc = Boolean(flags['no-trunc']);
    if (flags.quiet) {
      for (const r of recs) ctx.stdout.write(`${noTrunc ? r.Id : r.Id.slice(0, 12)}\n`);
      return 0;
    }
    const wantSize = Boolean(flags.size) || /\.Size\b/.test(String(flags.format ?? ''));
    const sizes = wantSize ? await Promise.all(recs.map((r) => sizeText(engine, r))) : [];
    const rows = recs.map((r, i) => {
      const s = toSummary(r);
      let command = s.Command;
      if (!noTrunc && command.length > 20) command = `${command.slice(0, 19)}…`;
      return formatContext('*formatter.ContainerContext', {
        ...s,
        ID: noTrunc ? r.Id : r.Id.slice(0, 12),
        Image: s.Image,
        Command: `"${command}"`,
        CreatedAt: new Date(r.Created).toString(),
        RunningFor: timeAgo(r.Created),
        Status: statusText(r),
        Ports: r.State.Running ? formatPorts(r.NetworkSettings.Ports) : '',
        Names: r.Name.slice(1),
        Size: sizes[i] ?? '0B',
        Mounts: r.Mounts.map((m) => m.Name ?? m.Source).join(','),
        Networks: r.HostConfig.NetworkMode,
      }, r.Config.Labels);
    });
    let table = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    if (flags.size) table += '\t{{.Size}}';
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, table));
    return 0;
  },
};

/** docker's "12B (virtual 1.98MB)": the writable layer, and with the image under it. */
async function sizeText(engine: EngineCore, rec: ContainerRecord): Promise<string> {
  const rw = await containerSizeRw(engine, rec).catch(() => 0);
  const image = await engine.images.resolve(rec.Image).then((i) => i.size, () => 0);
  return `${humanSize(rw)} (virtual ${humanSize(rw + image)})`;
}
