// Column alignment as Go's text/tabwriter does it for runc
// (NewWriter(out, minwidth 12, tabwidth 1, padding 3, ' ', 0)): every cell
// but a line's last is padded to max(minwidth, widest cell + padding).
export function formatTable(rows: readonly (readonly string[])[], minWidth = 12, padding = 3): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? minWidth, cell.length + padding);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('') + '\n').join('');
}
