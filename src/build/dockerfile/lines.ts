// A Dockerfile's text as logical instruction lines: parser directives
// (`# escape=`, `# syntax=`) at the top, comments and blank lines dropped,
// line continuations joined with the escape character, and heredocs
// (`<<EOF`, `<<-EOF`, `<<"EOF"`) taken out of the text with their bodies.
import { invalidArgument } from '../../errdefs/index.js';

export interface Heredoc {
  name: string;
  content: string;
  /** Unquoted delimiters expand variables in the body. */
  expand: boolean;
  /** <<- strips leading tabs. */
  chomp: boolean;
}

export interface LogicalLine {
  /** The instruction text, continuations joined (without the escape and newline). */
  text: string;
  line: number;
  endLine: number;
  heredocs: Heredoc[];
}

export interface Directives {
  escape: '\\' | '`';
  syntax?: string;
}

export function parseError(line: number, msg: string) {
  return invalidArgument(`dockerfile parse error on line ${line}: ${msg}`);
}

const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
/** <<EOF, <<-EOF, <<"EOF", <<'EOF' (not <<< and not a quoted "<<" in shell text). */
const HEREDOC_RE = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Reads the directives block: only comment lines at the very top, before any blank line or instruction. */
function readDirectives(lines: string[]): { directives: Directives; start: number } {
  const directives: Directives = { escape: '\\' };
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw parseError(i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      directives.escape = m[2];
    } else if (key === 'syntax') directives.syntax = m[2]!;
  }
  return { directives, start: i };
}

const isComment = (l: string) => /^\s*#/.test(l);
const isBlank = (l: string) => /^\s*$/.test(l);

export function splitLogicalLines(source: string): { directives: Directives; lines: LogicalLine[] } {
  const raw = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { directives, start } = readDirectives(raw);
  const esc = directives.escape;
  const out: LogicalLine[] = [];
  let i = start;
  while (i < raw.length) {
    const first = raw[i]!;
    if (isBlank(first) || isComment(first)) {
      i++;
      continue;
    }
    const lineNo = i + 1;
    let text = '';
    // Join continuations; comment lines and blank lines inside a continuation are skipped, as docker does.
    for (;;) {
      const cur = raw[i]!;
      const trimmed = cur.replace(/\s+$/, '');
      if (trimmed.endsWith(esc) && !trimmed.endsWith(esc + esc)) {
        text += trimmed.slice(0, -1);
        i++;
        while (i < raw.length && (isComment(raw[i]!) || isBlank(raw[i]!))) i++;
        if (i >= raw.length) break;
        continue;
      }
      text += cur;
      i++;
      break;
    }
    const keyword = /^\s*(\S+)/.exec(text)?.[1]?.toUpperCase() ?? '';
    const heredocs: Heredoc[] = [];
    if (HEREDOC_KEYWORDS.has(keyword) && !/^\s*\S+\s+\[/.test(text)) {
      for (const m of text.matchAll(HEREDOC_RE)) {
        const chomp = m[1] === '-';
        const name = m[3]!;
        const body: string[] = [];
        let closed = false;
        while (i < raw.length) {
          const l = raw[i++]!;
          if ((chomp ? l.replace(/^\t+/, '') : l) === name) {
            closed = true;
            break;
          }
          body.push(chomp ? l.replace(/^\t+/, '') : l);
        }
        if (!closed) throw parseError(lineNo, `unterminated heredoc ${name}`);
        heredocs.push({ name, content: body.map((l) => `${l}\n`).join(''), expand: m[2] === '', chomp });
      }
    }
    out.push({ text: text.trim(), line: lineNo, endLine: i, heredocs });
  }
  return { directives, lines: out };
}
