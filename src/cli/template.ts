// A Go text/template subset for --format, as docker's CLI uses it:
// {{.Field}}, {{.A.B}}, {{json .}}, {{json .X}}, {{index .Map "key"}}, {{upper .X}},
// {{lower .X}}, {{join .List ","}}, a "table" prefix adding a header row, and \t, \n.

function lookup(obj: unknown, path: string): unknown {
  if (path === '.') return obj;
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Go's default printing of values (%v). */
function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  }
  return String(v);
}

function evaluate(expr: string, data: unknown): string {
  let m = /^json\s+(\S+)$/.exec(expr);
  if (m) return JSON.stringify(lookup(data, m[1]!)) ?? 'null';
  m = /^index\s+(\S+)\s+"([^"]*)"$/.exec(expr);
  if (m) return show((lookup(data, m[1]!) as Record<string, unknown> | undefined)?.[m[2]!]);
  m = /^(upper|lower)\s+(\S+)$/.exec(expr);
  if (m) return m[1] === 'upper' ? show(lookup(data, m[2]!)).toUpperCase() : show(lookup(data, m[2]!)).toLowerCase();
  m = /^join\s+(\S+)\s+"([^"]*)"$/.exec(expr);
  if (m) return ((lookup(data, m[1]!) as unknown[] | undefined) ?? []).map(show).join(m[2]);
  if (expr === 'println') return '\n';
  return show(lookup(data, expr));
}

export function renderTemplate(tpl: string, data: unknown): string {
  return tpl
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n')
    .replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => evaluate(expr, data));
}

/** Docker's tabwriter: every column but the last padded to its widest cell plus 3 spaces. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n').join('');
}

/**
 * Renders rows with a --format value: "table ..." aligns columns under headers
 * (field name → header text, default the field upper-cased), "json" is {{json .}}.
 */
export function formatRows(format: string, rows: unknown[], headers: Record<string, string>): string {
  if (format === 'json') format = '{{json .}}';
  const isTable = /^table(\s|$)/.test(format);
  const tpl = isTable ? format.replace(/^table\s*/, '') : format;
  if (!isTable) return rows.map((r) => `${renderTemplate(tpl, r)}\n`).join('');
  const header = tpl.replace(/\\t/g, '\t').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k: string) => headers[k] ?? k.toUpperCase());
  return alignColumns([header, ...rows.map((r) => renderTemplate(tpl, r))].map((l) => l.split('\t')));
}
