// The functions of Go's text/template (and, or, not, eq ... len, index, slice,
// print, printf, println, html, js, urlquery) and docker's additions (json,
// split, join, title, lower, upper, pad, truncate), with Go's error texts.
import { FuncError, truth, type Builtin } from './exec.js';
import { entriesOf, goTypeName, isMap, isStruct, sprint, sprintf, sprintln } from './fmt.js';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'other' | 'invalid';

function basicKind(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

const numeric = (k: Kind) => k === 'int' || k === 'float';

/** Go's eq: basic values by value (ints and floats alike, JSON cannot tell them apart), nil equals nil. */
function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'invalid' || kb === 'invalid') return false;
  if (ka === 'other' || kb === 'other') {
    if ((a === null) !== (b === null) && (a === null || b === null)) return false;
    if (a === null && b === null) return true;
    if (Array.isArray(a) || Array.isArray(b) || isMap(a) || isMap(b)) throw new FuncError(`non-comparable type ${sprint([a === null ? b : a])}: ${goTypeName(a === null ? b : a)}`);
    return a === b;
  }
  if (ka !== kb && !(numeric(ka) && numeric(kb))) throw new FuncError('incompatible types for comparison');
  return a === b;
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'other' || ka === 'invalid' || kb === 'bool' || kb === 'other' || kb === 'invalid') throw new FuncError('invalid type for comparison');
  if (ka !== kb && !(numeric(ka) && numeric(kb))) throw new FuncError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function length(v: unknown): number {
  if (v === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (v === null) throw new FuncError('len of nil pointer');
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return entriesOf(v).length;
  throw new FuncError(`len of type ${goTypeName(v)}`);
}

function indexArg(i: unknown, cap: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw new FuncError(`cannot index slice/array with type ${goTypeName(i)}`);
  if (i < 0 || i >= cap) throw new FuncError(`index out of range: ${i}`);
  return i;
}

/** index X 1 "k" ...: one level per index; a missing map key is the map's zero value. */
function index(item: unknown, ...keys: unknown[]): unknown {
  let cur = item;
  for (const k of keys) {
    if (cur === undefined || cur === null) throw new FuncError('index of untyped nil');
    if (typeof cur === 'string') cur = Buffer.from(cur, 'utf8')[indexArg(k, Buffer.byteLength(cur, 'utf8'))];
    else if (Array.isArray(cur)) cur = cur[indexArg(k, cur.length)];
    else if (isMap(cur)) {
      if (typeof k !== 'string') throw new FuncError(`value has type ${goTypeName(k)}; should be string`);
      // A map whose values are all strings is taken as Go's map[string]string (docker's Labels): its zero value is "".
      const values = entriesOf(cur).map(([, x]) => x);
      cur = Object.hasOwn(cur, k) ? cur[k] : values.every((x) => typeof x === 'string') ? '' : undefined;
    } else throw new FuncError(`can't index item of type ${goTypeName(cur)}`);
  }
  return cur;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  const isString = typeof item === 'string';
  if (!isString && !Array.isArray(item)) throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  if (isString && idx.length === 3) throw new FuncError('cannot 3-index slice a string');
  const bytes = isString ? Buffer.from(item, 'utf8') : undefined;
  const len = bytes ? bytes.length : (item as unknown[]).length;
  const bounds = [0, len];
  idx.forEach((i, n) => {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new FuncError(`cannot index slice/array with type ${goTypeName(i)}`);
    if (i < 0 || i > len) throw new FuncError(`index out of range: ${i}`);
    bounds[n] = i;
  });
  const [lo, hi] = bounds as [number, number];
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  return bytes ? bytes.subarray(lo, hi).toString('utf8') : (item as unknown[]).slice(lo, hi);
}

/** The text html/js/urlquery escape: a lone string argument itself, else fmt.Sprint of them all. */
const evalArgs = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

const htmlEscape = (s: string) =>
  s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if ('<>&='.includes(ch)) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (c < 0x20 || /\p{C}/u.test(ch)) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape. */
const queryEscape = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      return c === ' ' ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');

/**
 * encoding/json without HTML escaping, as docker's json function. Go sorts a
 * map's keys: docker's row contexts marshal as maps, and an object of strings
 * is taken as map[string]string (Labels); other objects keep their order (structs).
 */
function toJSON(v: unknown): string {
  const sortMaps = (_k: string, x: unknown) =>
    isStruct(x) || goTypeName(x) === 'map[string]string' ? Object.fromEntries(entriesOf(x as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x;
  return (JSON.stringify(v, sortMaps) ?? 'null').replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** strings.Title: the first letter of every word upper-cased. */
const title = (s: string) => s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());

/** strings.Split: an empty separator splits after each UTF-8 sequence. */
const split = (s: string, sep: string) => (sep === '' ? [...s] : s.split(sep));

export const FUNCTIONS: Record<string, Builtin> = {
  and: { params: ['value', 'value'], variadic: true, fn: () => undefined },
  or: { params: ['value', 'value'], variadic: true, fn: () => undefined },
  not: { params: ['value'], fn: (v) => !truth(v) },
  eq: {
    params: ['value', 'value'],
    variadic: true,
    fn: (a, ...rest) => {
      if (rest.length === 0) throw new FuncError('missing argument for comparison');
      return rest.some((b) => equal(a, b));
    },
  },
  ne: { params: ['value', 'value'], fn: (a, b) => !equal(a, b) },
  lt: { params: ['value', 'value'], fn: (a, b) => less(a, b) },
  le: { params: ['value', 'value'], fn: (a, b) => less(a, b) || equal(a, b) },
  gt: { params: ['value', 'value'], fn: (a, b) => !less(a, b) && !equal(a, b) },
  ge: { params: ['value', 'value'], fn: (a, b) => !less(a, b) },
  len: { params: ['value'], fn: length },
  index: { params: ['value', 'value'], variadic: true, fn: index },
  slice: { params: ['value', 'value'], variadic: true, fn: slice },
  print: { params: ['any'], variadic: true, fn: (...a) => sprint(a) },
  printf: { params: ['string', 'any'], variadic: true, fn: (f, ...a) => sprintf(f as string, a) },
  println: { params: ['any'], variadic: true, fn: (...a) => sprintln(a) },
  html: { params: ['any'], variadic: true, fn: (...a) => htmlEscape(evalArgs(a)) },
  js: { params: ['any'], variadic: true, fn: (...a) => jsEscape(evalArgs(a)) },
  urlquery: { params: ['any'], variadic: true, fn: (...a) => queryEscape(evalArgs(a)) },
  // docker's templates package
  json: { params: ['any'], fn: toJSON },
  split: { params: ['string', 'string'], fn: (s, sep) => split(s as string, sep as string) },
  join: { params: ['[]string', 'string'], fn: (l, sep) => (l as string[]).join(sep as string) },
  title: { params: ['string'], fn: (s) => title(s as string) },
  lower: { params: ['string'], fn: (s) => (s as string).toLowerCase() },
  upper: { params: ['string'], fn: (s) => (s as string).toUpperCase() },
  pad: { params: ['string', 'int', 'int'], fn: (s, pre, post) => (s === '' ? '' : ' '.repeat(pre as number) + (s as string) + ' '.repeat(post as number)) },
  truncate: {
    params: ['string', 'int'],
    fn: (s, n) => {
      const b = Buffer.from(s as string, 'utf8');
      return b.length < (n as number) ? s : b.subarray(0, n as number).toString('utf8');
    },
  },
};

/**
 * docker's header functions: a table's header row is the same template run over
 * the column names, with the functions that would change them made identities.
 */
export const HEADER_FUNCTIONS: Record<string, Builtin> = {
  ...FUNCTIONS,
  json: { params: ['string'], fn: (s) => s },
  split: { params: ['string', 'string'], fn: (s) => s },
  join: { params: ['string', 'string'], fn: (s) => s },
  title: { params: ['string'], fn: (s) => s },
  lower: { params: ['string'], fn: (s) => s },
  upper: { params: ['string'], fn: (s) => s },
  truncate: { params: ['string', 'int'], fn: (s) => s },
};
