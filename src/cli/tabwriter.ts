// Go's text/tabwriter (elastic tabstops) as docker's CLI configures it for
// every table: NewWriter(out, minwidth 10, tabwidth 1, padding 3, ' ', 0).
// Cells are tab-terminated: the text after a line's last tab is no column and
// is not padded; a column's width is set per block of consecutive lines that
// have a cell in it. Widths are display widths (docker's fork counts East Asian
// wide characters as 2), not string lengths.

export interface TabwriterOptions {
  /** Minimal cell width, padding included. */
  minwidth: number;
  /** Added to a column's widest cell. */
  padding: number;
}

export const DOCKER_TABLE: TabwriterOptions = { minwidth: 10, padding: 3 };

/** Terminal columns a character takes: 0 for combining marks, 2 for wide East Asian characters and emoji. */
function charWidth(c: number): number {
  if (c === 0 || (c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f)) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  ) {
    return 2;
  }
  return /\p{Mn}/u.test(String.fromCodePoint(c)) ? 0 : 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Aligns tab-terminated cells of `text` exactly as Go's tabwriter does once flushed. */
export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABLE): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  // The text after the last newline is an unterminated line: printed without a newline.
  const widths: number[] = [];
  let out = '';

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      cells.forEach((cell, j) => {
        out += cell;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j]! - displayWidth(cell)));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let line = line0; line < line1; line++) {
      if (column >= lines[line]!.length - 1) continue;
      // A block of lines with a cell in this column starts here.
      writeLines(line0, line);
      line0 = line;
      let width = opts.minwidth;
      for (; line < line1 && column < lines[line]!.length - 1; line++) {
        width = Math.max(width, displayWidth(lines[line]![column]!) + opts.padding);
      }
      widths.push(width);
      format(line0, line);
      widths.pop();
      line0 = line;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

/** Rows of cells as a docker table: each cell but a row's last is tab-terminated. */
export const tabulate = (rows: string[][], opts: TabwriterOptions = DOCKER_TABLE): string =>
  tabwrite(rows.map((r) => r.join('\t') + '\n').join(''), opts);
