import type { Command } from '../command.js';
import { humanSize, timeAgo } from '../units.js';
import { openEngine } from '../engine-client.js';
import type { ContainerSummary } from '../../engine/docker-types.js';
import { formatContext, formatRows } from '../template.js';
import { parseFilterFlags } from '../filters.js';

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
    const engine = await openEngine(ctx);
    const last = flags.latest ? 1 : (flags.last as number);
    const wantSize = Boolean(flags.size) || /\.Size\b/.test(String(flags.format ?? ''));
    const list = await engine.containers.list({
      all: Boolean(flags.all),
      ...(last > 0 ? { limit: last } : {}),
      size: wantSize && !flags.quiet,
      filters: parseFilterFlags((flags.filter as string[]) ?? []),
    });
    const noTrunc = Boolean(flags['no-trunc']);
    if (flags.quiet) {
      for (const c of list) ctx.stdout.write(`${noTrunc ? c.Id : c.Id.slice(0, 12)}\n`);
      return 0;
    }
    const rows = list.map((c) => {
      let command = c.Command;
      if (!noTrunc && command.length > 20) command = `${command.slice(0, 19)}…`;
      const created = c.Created * 1000;
      return formatContext('*formatter.ContainerContext', {
        ...c,
        ID: noTrunc ? c.Id : c.Id.slice(0, 12),
        Command: `"${command}"`,
        CreatedAt: new Date(created).toString(),
        RunningFor: timeAgo(created),
        Ports: formatPorts(c.Ports),
        Names: (c.Names[0] ?? '').replace(/^\//, ''),
        Size: c.SizeRw !== undefined ? `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? c.SizeRw)})` : '0B',
        Mounts: c.Mounts.map((m) => m.Name ?? m.Source).join(','),
        Networks: c.HostConfig.NetworkMode,
      }, c.Labels);
    });
    let table = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    if (flags.size) table += '\t{{.Size}}';
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, table));
    return 0;
  },
};

/** docker's PORTS column: "0.0.0.0:8080->80/tcp, 53/udp" (exposed but unpublished ports without an arrow). */
function formatPorts(ports: ContainerSummary['Ports']): string {
  return ports.map((p) => (p.PublicPort ? `${p.IP || '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(', ');
}
