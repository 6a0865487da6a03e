// The TOML subset containerd's hosts.toml files use: comments, `key = value` with
// bare or quoted (dotted) keys, basic and literal strings, booleans, integers,
// arrays (nested, over several lines), and [table] headers with quoted parts
// such as [host."https://mirror:5000".header]. Anything else is an error naming
// the file and line, so a typo never silently drops a mirror.
import { invalidArgument } from '../../errdefs/index.js';

export type TomlValue = string | boolean | number | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const BARE_KEY = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  get line(): number {
    let n = 1;
    for (let i = 0; i < this.pos && i < this.text.length; i++) if (this.text[i] === '\n') n++;
    return n;
  }

  fail(what: string): never {
    throw invalidArgument(`${this.file}:${this.line}: ${what}`);
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** Spaces and tabs; with newlines also line breaks and comments (inside arrays). */
  skip(newlines = false): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (newlines && c === '\n') this.pos++;
      else if (c === '#' && newlines) this.skipComment();
      else return;
    }
  }

  skipComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
  }

  /** After a key/value or header: only a comment may follow on the line. */
  endOfLine(): void {
    this.skip();
    if (this.peek() === '#') this.skipComment();
    const c = this.peek();
    if (c === undefined) return;
    if (c !== '\n') this.fail(`unexpected ${JSON.stringify(c)} after a value (one key = value per line)`);
    this.pos++;
  }

  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected ${JSON.stringify(c)}, found ${this.peek() === undefined ? 'end of file' : JSON.stringify(this.peek())}`);
    this.pos++;
  }
}

function parseBasicString(cur: Cursor): string {
  cur.expect('"');
  let out = '';
  for (;;) {
    const c = cur.peek();
    if (c === undefined || c === '\n') cur.fail('unterminated string');
    cur.pos++;
    if (c === '"') return out;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = cur.peek();
    cur.pos++;
    if (e !== undefined && ESCAPES[e] !== undefined) out += ESCAPES[e];
    else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = cur.text.slice(cur.pos, cur.pos + len);
      if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) cur.fail(`invalid \\${e} escape`);
      out += String.fromCodePoint(parseInt(hex, 16));
      cur.pos += len;
    } else cur.fail(`invalid escape \\${e ?? ''}`);
  }
}

function parseLiteralString(cur: Cursor): string {
  cur.expect("'");
  const end = cur.text.indexOf("'", cur.pos);
  const nl = cur.text.indexOf('\n', cur.pos);
  if (end === -1 || (nl !== -1 && nl < end)) cur.fail('unterminated string');
  const s = cur.text.slice(cur.pos, end);
  cur.pos = end + 1;
  return s;
}

function parseKeyPart(cur: Cursor): string {
  const c = cur.peek();
  if (c === '"') return parseBasicString(cur);
  if (c === "'") return parseLiteralString(cur);
  const start = cur.pos;
  while (cur.peek() !== undefined && BARE_KEY.test(cur.peek()!)) cur.pos++;
  if (cur.pos === start) cur.fail(c === undefined ? 'expected a key' : `unexpected ${JSON.stringify(c)} where a key belongs`);
  return cur.text.slice(start, cur.pos);
}

/** a."b".c -> ["a", "b", "c"] */
function parseKey(cur: Cursor): string[] {
  const parts = [parseKeyPart(cur)];
  for (;;) {
    cur.skip();
    if (cur.peek() !== '.') return parts;
    cur.pos++;
    cur.skip();
    parts.push(parseKeyPart(cur));
  }
}

function parseValue(cur: Cursor): TomlValue {
  const c = cur.peek();
  if (c === '"') {
    if (cur.text.startsWith('"""', cur.pos)) cur.fail('multi-line strings are not supported in hosts.toml');
    return parseBasicString(cur);
  }
  if (c === "'") return parseLiteralString(cur);
  if (c === '[') return parseArray(cur);
  if (c === '{') cur.fail('inline tables are not supported in hosts.toml: use a [table] header');
  const m = /^(true|false|[+-]?[0-9][0-9_]*)(?=[\s,\]#]|$)/.exec(cur.text.slice(cur.pos));
  if (!m) cur.fail(c === undefined || c === '\n' ? 'missing value' : `invalid value starting ${JSON.stringify(cur.text.slice(cur.pos).split('\n')[0])}`);
  cur.pos += m[1]!.length;
  if (m[1] === 'true') return true;
  if (m[1] === 'false') return false;
  return Number(m[1]!.replace(/_/g, ''));
}

function parseArray(cur: Cursor): TomlValue[] {
  cur.expect('[');
  const items: TomlValue[] = [];
  for (;;) {
    cur.skip(true);
    if (cur.peek() === ']') {
      cur.pos++;
      return items;
    }
    items.push(parseValue(cur));
    cur.skip(true);
    if (cur.peek() === ',') cur.pos++;
    else if (cur.peek() !== ']') cur.fail('expected "," or "]" in an array');
  }
}

export const isTable = (v: TomlValue | undefined): v is TomlTable => typeof v === 'object' && !Array.isArray(v);

function descend(cur: Cursor, root: TomlTable, path: string[], explicit: Set<TomlTable>, header: boolean): TomlTable {
  let t = root;
  for (const [i, part] of path.entries()) {
    const existing = t[part];
    if (existing === undefined) {
      const next: TomlTable = {};
      t[part] = next;
      t = next;
    } else if (isTable(existing)) {
      t = existing;
    } else {
      cur.fail(`${path.slice(0, i + 1).join('.')} is already a value, not a table`);
    }
  }
  if (header) {
    if (explicit.has(t)) cur.fail(`table [${path.join('.')}] defined twice`);
    explicit.add(t);
  }
  return t;
}

export function parseToml(text: string, file: string): TomlTable {
  const cur = new Cursor(text, file);
  const root: TomlTable = {};
  const explicit = new Set<TomlTable>();
  let table = root;
  for (;;) {
    cur.skip(true);
    const c = cur.peek();
    if (c === undefined) return root;
    if (c === '[') {
      cur.pos++;
      if (cur.peek() === '[') cur.fail('arrays of tables ([[...]]) are not supported in hosts.toml');
      cur.skip();
      const path = parseKey(cur);
      cur.expect(']');
      table = descend(cur, root, path, explicit, true);
    } else {
      const path = parseKey(cur);
      cur.expect('=');
      cur.skip();
      const value = parseValue(cur);
      const parent = descend(cur, table, path.slice(0, -1), explicit, false);
      const key = path[path.length - 1]!;
      if (parent[key] !== undefined) cur.fail(`key ${path.join('.')} defined twice`);
      parent[key] = value;
    }
    cur.endOfLine();
  }
}
