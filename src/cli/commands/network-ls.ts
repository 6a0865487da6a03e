// `gantry network ls`: docker's columns (NETWORK ID, NAME, DRIVER, SCOPE), -q,
// --filter, --format, --no-trunc.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';
import { formatContext, formatRows } from '../template.js';
import type { NetworkInspect } from '../../engine/api.js';

const goTime = (iso: string) => {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 UTC`;
};

function row(n: NetworkInspect, noTrunc: boolean) {
  return formatContext(
    '*network.networkContext',
    { CreatedAt: goTime(n.Created), Driver: n.Driver, ID: noTrunc ? n.Id : n.Id.slice(0, 12), IPv6: String(n.EnableIPv6), Internal: String(n.Internal), Name: n.Name, Scope: n.Scope },
    n.Labels,
  );
}

const HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

export const command: Command = {
  spec: {
    name: 'network ls',
    usage: '[OPTIONS]',
    description: 'List networks',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', type: 'list', description: 'Provide filter values (e.g. "driver=bridge")' },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'no-trunc', type: 'bool', description: 'Do not truncate the output' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Only display network IDs' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags(flags.filter as string[]);
    const engine = await openEngine(ctx);
    const nets = await engine.networks.list(filters).finally(() => engine.close());
    const rows = nets.map((n) => row(n, flags['no-trunc'] === true));
    if (flags.quiet) {
      ctx.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
      return;
    }
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}'));
  },
};
