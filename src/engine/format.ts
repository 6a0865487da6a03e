// A minimal Go-template renderer for --format until src/cli/template.ts lands:
// {{.Field}}, {{.A.B}}, {{json .}}, {{json .X}}, {{index .Map "key"}}, "table" headers, \t.
function lookup(obj: unknown, path: string): unknown {
  if (path === '.') return obj;
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v as object).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

export function renderTemplate(tpl: string, data: unknown): string {
  return tpl.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => {
    const json = /^json\s+(\S+)$/.exec(expr);
    if (json) return JSON.stringify(lookup(data, json[1]!));
    const index = /^index\s+(\S+)\s+"([^"]*)"$/.exec(expr);
    if (index) return show((lookup(data, index[1]!) as Record<string, unknown> | undefined)?.[index[2]!]);
    const fn = /^(upper|lower)\s+(\S+)$/.exec(expr);
    if (fn) return fn[1] === 'upper' ? show(lookup(data, fn[2]!)).toUpperCase() : show(lookup(data, fn[2]!)).toLowerCase();
    return show(lookup(data, expr));
  });
}

/** Renders rows for --format; "table ..." adds a header line from `headers`. */
export function formatRows(format: string, rows: unknown[], headers: Record<string, string>): string {
  const isTable = format.startsWith('table');
  const tpl = isTable ? format.replace(/^table\s*/, '') : format;
  const lines = rows.map((r) => renderTemplate(tpl, r));
  if (isTable) {
    const header = tpl.replace(/\\t/g, '\t').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k: string) => headers[k] ?? k.toUpperCase());
    return alignColumns([header, ...lines]);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Docker's tabwriter: columns padded to the widest cell plus 3 spaces. */
export function alignColumns(lines: string[]): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n').join('');
}
