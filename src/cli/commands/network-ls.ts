// `gantry network ls`: docker's columns (NETWORK ID, NAME, DRIVER, SCOPE), -q,
// --filter, --format, --no-trunc.
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../flags.js';
import { formatContext, formatRows } from '../template.js';
import { openNetworkService, type NetworkRecord, type NetworkService } from '../../network/index.js';

export const openNetworks = (ctx: CliContext): Promise<NetworkService> => openNetworkService({ root: ctx.globals.root, runroot: ctx.globals.runroot });

const goTime = (iso: string) => {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 UTC`;
};

function row(n: NetworkRecord, noTrunc: boolean) {
  return formatContext(
    '*network.networkContext',
    { CreatedAt: goTime(n.Created), Driver: n.Driver, ID: noTrunc ? n.Id : n.Id.slice(0, 12), IPv6: String(n.EnableIPv6), Internal: String(n.Internal), Name: n.Name, Scope: n.Scope },
    n.Labels,
  );
}

const HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

export function parseFilters(list: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value)`);
    (out[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return out;
}

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
    const svc = await openNetworks(ctx);
    const nets = await svc.list(parseFilters((flags.filter as string[]) ?? []));
    const rows = nets.map((n) => row(n, flags['no-trunc'] === true));
    if (flags.quiet) {
      ctx.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
      return;
    }
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}'));
  },
};
