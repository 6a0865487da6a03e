// `gantry network ls`: docker's columns (NETWORK ID, NAME, DRIVER, SCOPE), -q,
// --filter, --format (Go-template subset), --no-trunc.
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../flags.js';
import { openNetworkService, type NetworkRecord, type NetworkService } from '../../network/index.js';

export const openNetworks = (ctx: CliContext): Promise<NetworkService> => openNetworkService({ root: ctx.globals.root, runroot: ctx.globals.runroot });

/** Go's fmt rendering of a JSON value, as docker's templates print it. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

function lookupPath(data: unknown, path: string): unknown {
  if (path === '.') return data;
  let cur: unknown = data;
  for (const key of path.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * The part of Go's text/template that `--format` strings use in practice:
 * {{.Field.Sub}}, {{json .X}}, {{index .X "key"}}, {{join .X ","}}, {{upper .X}}, {{lower .X}}.
 */
export function renderTemplate(tpl: string, data: unknown): string {
  return tpl.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => {
    const words = action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    const arg = (w: string | undefined) => (w === undefined ? undefined : w.startsWith('"') ? (JSON.parse(w) as string) : lookupPath(data, w));
    const [fn, a, b] = words;
    switch (fn) {
      case 'json':
        return JSON.stringify(arg(a) ?? null);
      case 'index': {
        const obj = arg(a) as Record<string, unknown> | undefined;
        return goValue(obj?.[String(arg(b))]);
      }
      case 'join':
        return ((arg(a) as unknown[] | undefined) ?? []).map(goValue).join(String(arg(b) ?? ''));
      case 'upper':
        return goValue(arg(a)).toUpperCase();
      case 'lower':
        return goValue(arg(a)).toLowerCase();
      default:
        if (fn === undefined || !fn.startsWith('.')) throw new UsageError(`template: unsupported action "{{${action}}}"`);
        return goValue(arg(fn));
    }
  });
}

/** text/tabwriter as docker configures it: minwidth 10, padding 3; the last column is not padded. */
export function tabulate(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length + 3, 10)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('').trimEnd() + '\n').join('');
}

/** Docker's --format handling: "table ..." adds a header row, "json" means {{json .}}, \t and \n are unescaped. */
export function formatRows(format: string, rows: Record<string, unknown>[], headers: Record<string, string>): string {
  if (format === 'json') format = '{{json .}}';
  const fmt = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (!fmt.startsWith('table')) return rows.map((r) => renderTemplate(fmt, r) + '\n').join('');
  const body = fmt.slice('table'.length).trim();
  const headerRow = renderTemplate(body, new Proxy({}, { get: (_, k) => headers[String(k)] ?? String(k).toUpperCase() })).split('\t');
  return tabulate([headerRow, ...rows.map((r) => renderTemplate(body, r).split('\t'))]);
}

const goTime = (iso: string) => {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 UTC`;
};

// Keys in alphabetical order: docker marshals its row context as a Go map.
function row(n: NetworkRecord, noTrunc: boolean): Record<string, string> {
  return {
    CreatedAt: goTime(n.Created),
    Driver: n.Driver,
    ID: noTrunc ? n.Id : n.Id.slice(0, 12),
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Name: n.Name,
    Scope: n.Scope,
  };
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
    const format = (flags.format as string | undefined) || 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
    ctx.stdout.write(formatRows(format === 'table' ? 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}' : format, rows, HEADERS));
  },
};
