// Docker's word processing of instruction arguments: variable substitution
// ($x, ${x}, ${x:-d}, ${x-d}, ${x:+a}, ${x+a}, ${x:?msg}, ${x?msg}) and quote
// removal ('...' literal, "..." with escapes and variables), with the
// Dockerfile's escape character outside quotes. Unset variables expand to ''.
import { invalidArgument } from '../../errdefs/index.js';

export type Lookup = (name: string) => string | undefined;

export function lookupIn(env: readonly string[] | Map<string, string>): Lookup {
  if (env instanceof Map) return (n) => env.get(n);
  const map = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) map.set(e.slice(0, i), e.slice(i + 1));
  }
  return (n) => map.get(n);
}

class Lexer {
  pos = 0;
  constructor(
    readonly src: string,
    readonly esc: string,
    readonly lookup: Lookup,
  ) {}

  peek(): string | undefined {
    return this.src[this.pos];
  }

  /** Reads a `$...` expansion starting at the `$`. */
  variable(): string {
    this.pos++; // $
    const c = this.peek();
    if (c === '{') {
      this.pos++;
      const name = this.name();
      if (!name) throw invalidArgument(`failed to process "${this.src}": missing ':' in substitution`);
      const c2 = this.peek();
      if (c2 === '}') {
        this.pos++;
        return this.lookup(name) ?? '';
      }
      let op = '';
      if (c2 === ':') {
        op = ':';
        this.pos++;
      }
      const kind = this.peek();
      if (kind !== '-' && kind !== '+' && kind !== '?') throw invalidArgument(`failed to process "${this.src}": unsupported modifier (${op}${kind ?? ''}) in substitution`);
      this.pos++;
      const word = this.until('}');
      const value = this.lookup(name);
      const set = op === ':' ? value !== undefined && value !== '' : value !== undefined;
      if (kind === '-') return set ? value! : word;
      if (kind === '+') return set ? word : '';
      if (!set) throw invalidArgument(`failed to process "${this.src}": ${name}: ${word || 'is not allowed to be unset'}`);
      return value!;
    }
    const name = this.name();
    if (!name) return '$';
    return this.lookup(name) ?? '';
  }

  name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  /** A nested word up to the closing `end` (for ${x:-word}), itself processed. */
  until(end: string): string {
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw invalidArgument(`failed to process "${this.src}": syntax error: missing '}'`);
      if (c === end) {
        this.pos++;
        return out;
      }
      out += this.unit(true);
    }
  }

  /** One lexical unit outside quotes: an escape, a quoted string, a variable or a character. */
  unit(inBraces = false): string {
    const c = this.peek()!;
    if (c === this.esc) {
      this.pos++;
      const n = this.peek();
      if (n === undefined) return this.esc;
      this.pos++;
      return n;
    }
    if (c === "'" && !inBraces) return this.single();
    if (c === '"' && !inBraces) return this.double();
    if (c === '$') return this.variable();
    this.pos++;
    return c;
  }

  single(): string {
    this.pos++;
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) throw invalidArgument(`failed to process "${this.src}": unexpected end of statement while looking for matching single-quote`);
    const s = this.src.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  double(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw invalidArgument(`failed to process "${this.src}": unexpected end of statement while looking for matching double-quote`);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === this.esc) {
        const n = this.src[this.pos + 1];
        // Inside double quotes the escape only escapes ", $, the escape itself and a newline.
        if (n === '"' || n === '$' || n === this.esc) {
          out += n;
          this.pos += 2;
          continue;
        }
      }
      if (c === '$') {
        out += this.variable();
        continue;
      }
      out += c;
      this.pos++;
    }
  }
}

/** Expands one word (no splitting): `COPY $src/a` → "x/a". */
export function expandWord(word: string, lookup: Lookup, escape = '\\'): string {
  const lx = new Lexer(word, escape, lookup);
  let out = '';
  while (lx.peek() !== undefined) out += lx.unit();
  return out;
}

/**
 * Expands and splits on unquoted whitespace, as for words of ENV/LABEL pairs
 * and the whitespace forms of EXPOSE/VOLUME: `a "b c"` → ["a", "b c"].
 */
export function expandWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  const lx = new Lexer(text, escape, lookup);
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  while (lx.peek() !== undefined) {
    const c = lx.peek()!;
    if (/\s/.test(c)) {
      lx.pos++;
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    // A variable's value is not split again (docker's ProcessWords splits on the source's whitespace only).
    cur += lx.unit();
  }
  if (inWord) words.push(cur);
  return words;
}
