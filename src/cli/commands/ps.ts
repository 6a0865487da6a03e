import type { Command } from '../command.js';
import { humanSize, timeAgo } from '../units.js';
import { openCliEngine } from './run.js';
import type { ContainerRecord } from '../../engine/store.js';
import type { Engine } from '../../engine/index.js';
import { containerSizeRw } from '../../engine/disk-usage.js';
import { formatPorts } from '../../engine/networking.js';
import { formatContext, formatRows } from '../template.js';

const HEADERS: Record<string, string> = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', Labels: 'LABELS', Size: 'SIZE', State: 'STATE', Mounts: 'MOUNTS', Networks: 'NETWORKS' };

function matches(rec: ContainerRecord, filters: string[]): boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i < 0) throw new Error(`Error response from daemon: invalid filter '${f}'`);
    const k = f.slice(0, i);
    byKey.set(k, [...(byKey.get(k) ?? []), f.slice(i + 1)]);
  }
  for (const [key, values] of byKey) {
    const ok = values.some((v) => {
      switch (key) {
        case 'status':
          return rec.State.Status === v || (v === 'paused' && rec.State.Paused);
        case 'name':
          return new RegExp(v).test(rec.Name.slice(1));
        case 'id':
          return rec.Id.startsWith(v);
        case 'label': {
          const j = v.indexOf('=');
          return j < 0 ? v in rec.Config.Labels : rec.Config.Labels[v.slice(0, j)] === v.slice(j + 1);
        }
        case 'ancestor':
          return rec.Gantry.imageRef === v || rec.Gantry.imageRef === `${v}:latest` || rec.Image === v || rec.Image.replace('sha256:', '').startsWith(v.replace('sha256:', ''));
        case 'exited':
          return rec.State.Status === 'exited' && rec.State.ExitCode === Number(v);
        case 'health':
          return (rec.State.Health?.Status ?? 'none') === v;
        case 'volume':
          return rec.Mounts.some((m) => m.Name === v || m.Destination === v);
        default:
          throw new Error(`invalid filter '${key}'`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

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
    const filters = (flags.filter as string[]) ?? [];
    let last = flags.latest ? 1 : (flags.last as number);
    const all = Boolean(flags.all) || last > 0;
    let recs = await Promise.all((await engine.store.list()).filter((r) => r.Gantry.creator === undefined).map((r) => engine.containers.view(r)));
    recs.sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    if (!all) recs = recs.filter((r) => r.State.Running);
    try {
      recs = recs.filter((r) => matches(r, filters));
    } catch (err) {
      ctx.stderr.write(`${(err as Error).message}\n`);
      return 125;
    }
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
async function sizeText(engine: Engine, rec: ContainerRecord): Promise<string> {
  const rw = await containerSizeRw(engine, rec).catch(() => 0);
  const image = await engine.images.resolve(rec.Image).then((i) => i.size, () => 0);
  return `${humanSize(rw)} (virtual ${humanSize(rw + image)})`;
}
