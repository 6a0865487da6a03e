// Go's fmt package as templates see it: %v printing of values (maps sorted,
// slices as [a b], nil as <nil>), Sprint/Sprintln spacing, and Sprintf verbs
// with flags, width and precision. Values are JSON-like: strings, numbers
// (integral ones print as Go ints, the rest as float64), booleans, null,
// arrays, objects (Go maps) and objects marked as Go structs.

/** Marks an object as a Go struct: printed as {a b}, and a missing field is an error, not <no value>. */
export const GO_TYPE: unique symbol = Symbol('goType');

export type GoStruct = { [GO_TYPE]: string; [field: string]: unknown };

export const isStruct = (v: unknown): v is GoStruct => typeof v === 'object' && v !== null && GO_TYPE in v;
export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(GO_TYPE in v);

/** The fields of a map or struct that are data (functions are a struct's methods). */
export const entriesOf = (v: object): [string, unknown][] => Object.entries(v).filter(([, x]) => typeof x !== 'function');

/** The Go type a value has in error messages ("int", "[]string", "map[string]interface {}"). */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => typeof x === 'string') ? '[]string' : '[]interface {}';
  if (isStruct(v)) return v[GO_TYPE];
  const values = entriesOf(v).map(([, x]) => x);
  return values.length > 0 && values.every((x) => typeof x === 'string') ? 'map[string]string' : 'map[string]interface {}';
}

const runeCount = (s: string) => [...s].length;

function pad(s: string, width: number | undefined, left: boolean, zero = false): string {
  if (width === undefined) return s;
  const n = width - runeCount(s);
  if (n <= 0) return s;
  if (left) return s + ' '.repeat(n);
  if (zero) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

/** strconv.Quote: Go's double-quoted string with escapes for what is not printable. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (asciiOnly || /[\p{C}\p{Z}]/u.test(ch)) {
      out += c > 0xffff ? '\\U' + c.toString(16).padStart(8, '0') : '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** strconv.FormatFloat(f, 'e', prec, 64); prec < 0 is the shortest representation. */
function formatE(f: number, prec: number, upper = false): string {
  const s = prec < 0 ? f.toExponential() : f.toExponential(prec);
  const [mant, exp] = s.split('e') as [string, string];
  const e = Number(exp);
  const out = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
}

/** strconv.FormatFloat(f, 'g', prec, 64): %e for exponents < -4 or >= the precision (6 for the shortest form), trailing zeros dropped. */
function formatG(f: number, prec: number, upper = false): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const shortest = prec < 0;
  const p = shortest ? 6 : Math.max(prec, 1);
  const exp = Number((shortest ? f.toExponential() : f.toExponential(p - 1)).split('e')[1]);
  if (exp < -4 || exp >= p) {
    const e = formatE(f, shortest ? -1 : p - 1, upper);
    return e.replace(/\.?0+(e)/i, '$1');
  }
  return shortest ? String(f) : String(Number(f.toPrecision(p)));
}

function formatFloat(f: number, verb: string, prec: number | undefined): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  switch (verb) {
    case 'e':
    case 'E':
      return formatE(f, prec ?? 6, verb === 'E');
    case 'f':
    case 'F':
      return f.toFixed(prec ?? 6);
    case 'G':
      return formatG(f, prec ?? -1, true);
    default:
      return formatG(f, prec ?? -1);
  }
}

interface Spec {
  verb: string;
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

const PLAIN: Spec = { verb: 'v', minus: false, plus: false, sharp: false, space: false, zero: false };

const badVerb = (v: unknown, spec: Spec) =>
  v === undefined || v === null ? `%!${spec.verb}(<nil>)` : `%!${spec.verb}(${goTypeName(v)}=${formatValue(v, PLAIN)})`;

function formatInt(n: number, spec: Spec): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  let digits: string;
  switch (spec.verb) {
    case 'b':
      digits = abs.toString(2);
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      break;
    case 'x':
      digits = abs.toString(16);
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      break;
    default:
      digits = String(abs);
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  let prefix = '';
  if (spec.verb === 'O') prefix = '0o';
  else if (spec.sharp && spec.verb === 'x') prefix = '0x';
  else if (spec.sharp && spec.verb === 'X') prefix = '0X';
  else if (spec.sharp && spec.verb === 'o' && !digits.startsWith('0')) prefix = '0';
  else if (spec.sharp && spec.verb === 'b') prefix = '0b';
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + prefix + digits, spec.width, spec.minus, spec.zero && spec.prec === undefined);
}

function formatString(s: string, spec: Spec): string {
  switch (spec.verb) {
    case 'v':
    case 's':
      return pad(spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s, spec.width, spec.minus, spec.zero);
    case 'q':
      return pad(spec.sharp && !/[`\p{C}]/u.test(s) ? '`' + s + '`' : goQuote(s, spec.plus), spec.width, spec.minus);
    case 'x':
    case 'X': {
      const bytes = [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
      let hex = bytes.join(spec.space ? ' ' : '');
      if (spec.verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec.width, spec.minus);
    }
    default:
      return badVerb(s, spec);
  }
}

function formatNumber(n: number, spec: Spec): string {
  const v = spec.verb;
  if (Number.isInteger(n) && 'bdoOxXcqU'.includes(v)) {
    if (v === 'c') return pad(String.fromCodePoint(n), spec.width, spec.minus);
    if (v === 'q') return pad(`'${String.fromCodePoint(n)}'`, spec.width, spec.minus);
    if (v === 'U') return pad(`U+${n.toString(16).toUpperCase().padStart(4, '0')}`, spec.width, spec.minus);
    return formatInt(n, spec);
  }
  if (v === 'v' && Number.isInteger(n)) return formatInt(n, { ...spec, verb: 'd' });
  // Integral values are accepted for float verbs: JSON cannot tell Go's 3 from 3.0.
  if (!'eEfFgGv'.includes(v)) return badVerb(n, spec);
  let s = formatFloat(n, v, spec.prec);
  if (n >= 0 && spec.plus) s = '+' + s;
  else if (n >= 0 && spec.space) s = ' ' + s;
  return pad(s, spec.width, spec.minus, spec.zero);
}

/** fmt's printing of one operand under a verb; composites apply the verb to their elements. */
export function formatValue(v: unknown, spec: Spec): string {
  if (v === undefined || v === null) return spec.verb === 'v' || spec.verb === 's' ? pad('<nil>', spec.width, spec.minus) : badVerb(v, spec);
  switch (typeof v) {
    case 'string':
      return formatString(v, spec);
    case 'number':
      return formatNumber(v, spec);
    case 'boolean':
      return spec.verb === 'v' || spec.verb === 't' ? pad(String(v), spec.width, spec.minus) : badVerb(v, spec);
    case 'function':
      return spec.verb === 'v' || spec.verb === 'p' ? '0xc000000000' : badVerb(v, spec);
  }
  const inner = { ...spec, width: undefined };
  if (Array.isArray(v)) return pad(`[${v.map((x) => formatValue(x, inner)).join(' ')}]`, spec.width, spec.minus);
  if (isStruct(v)) {
    const fields = entriesOf(v).map(([k, x]) => (spec.plus ? `${k}:` : '') + formatValue(x, inner));
    return pad(`{${fields.join(' ')}}`, spec.width, spec.minus);
  }
  const entries = entriesOf(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pad(`map[${entries.map(([k, x]) => `${formatValue(k, inner)}:${formatValue(x, inner)}`).join(' ')}]`, spec.width, spec.minus);
}

/** fmt.Sprint: operands printed with %v, a space between two operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a, PLAIN);
  });
  return out;
}

/** fmt.Sprintln: always a space between operands, and a newline. */
export const sprintln = (args: unknown[]): string => args.map((a) => formatValue(a, PLAIN)).join(' ') + '\n';

/** fmt.Sprintf, with Go's in-band errors (%!d(string=x), %!s(MISSING), %!(EXTRA ...)). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { ...PLAIN };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    const number = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' && Number.isInteger(a) ? a : NaN;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    const width = number();
    if (width !== undefined && Number.isNaN(width)) out += '%!(BADWIDTH)';
    else if (width !== undefined && width < 0) {
      spec.minus = true;
      spec.width = -width;
    } else spec.width = width;
    if (format[i] === '.') {
      i++;
      const prec = number();
      if (prec !== undefined && Number.isNaN(prec)) out += '%!(BADPREC)';
      else spec.prec = prec ?? 0;
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    spec.verb = verb;
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    out += verb === 'T' ? pad(arg === null || arg === undefined ? '<nil>' : goTypeName(arg), spec.width, spec.minus) : formatValue(arg, spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a, PLAIN)}`))
      .join(', ')})`;
  }
  return out;
}
