// Argument parsing the way runc's urfave/cli (v1, on Go's flag package) does it:
// flags are "-name" or "--name", values as "--name value" or "--name=value",
// booleans take only the "=value" form, and unless a verb opts out (exec and ps
// pass everything after the id to the container process) flags written after
// positional arguments are moved in front of them, so `delete ID --force` works.

export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagDef {
  /** Long name first, then aliases (runc's `"bundle, b"`). */
  names: readonly string[];
  kind: FlagKind;
  usage: string;
  /** Shown in help as "(default: ...)". */
  defaultText?: string;
  hidden?: boolean;
}

export interface ParsedArgs {
  /** Values keyed by the flag's first (long) name; list flags accumulate. */
  values: Map<string, string | boolean | string[]>;
  args: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseGoBool(raw: string, display: string): boolean {
  if (/^(1|t|T|TRUE|true|True)$/.test(raw)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(raw)) return false;
  throw new UsageError(`invalid boolean value "${raw}" for -${display}: parse error`);
}

export interface ParseOptions {
  /** Stop at the first positional argument (runc's SkipArgReorder verbs: exec, ps). */
  stopAtFirstArg?: boolean;
}

export function parseArgs(defs: readonly FlagDef[], argv: readonly string[], opts: ParseOptions = {}): ParsedArgs {
  const byName = new Map<string, FlagDef>();
  for (const d of defs) for (const n of d.names) byName.set(n, d);
  const values = new Map<string, string | boolean | string[]>();
  const args: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.length < 2 || !a.startsWith('-')) {
      args.push(a);
      if (opts.stopAtFirstArg) {
        args.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = byName.get(name);
    if (!def || name === '' || name.startsWith('-')) throw new UsageError(`flag provided but not defined: -${name}`);
    const key = def.names[0]!;
    let raw: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (def.kind === 'bool') {
      values.set(key, raw === undefined ? true : parseGoBool(raw, name));
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      raw = argv[++i]!;
    }
    if (def.kind === 'list') {
      const prev = values.get(key);
      values.set(key, [...(Array.isArray(prev) ? prev : []), raw]);
    } else {
      values.set(key, raw);
    }
  }
  return { values, args };
}

/** Typed accessors over ParsedArgs. */
export const flagString = (p: ParsedArgs, name: string): string | undefined => {
  const v = p.values.get(name);
  return typeof v === 'string' ? v : undefined;
};
export const flagBool = (p: ParsedArgs, name: string): boolean => p.values.get(name) === true;
export const flagList = (p: ParsedArgs, name: string): string[] => {
  const v = p.values.get(name);
  return Array.isArray(v) ? v : [];
};
export const flagIsSet = (p: ParsedArgs, name: string): boolean => p.values.has(name);

/** Go's strconv.Atoi-style integer flag, with the flag named in the error. */
export function flagInt(p: ParsedArgs, name: string): number | undefined {
  const v = flagString(p, name);
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw new UsageError(`invalid value "${v}" for flag -${name}: parse error`);
  return Number(v);
}

/** One help line per flag, urfave style: "   --bundle value, -b value  usage". */
export function formatFlagHelp(defs: readonly FlagDef[]): string {
  const rows = defs
    .filter((d) => !d.hidden)
    .map((d) => {
      const names = d.names.map((n) => `${n.length === 1 ? '-' : '--'}${n}${d.kind === 'bool' ? '' : ' value'}`).join(', ');
      const def = d.defaultText !== undefined ? ` (default: ${d.defaultText})` : '';
      return [names, d.usage + def] as const;
    });
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, u]) => `   ${n.padEnd(width)}  ${u}\n`).join('');
}

/** runc's checkArgs wording: `runc: "state" requires exactly 1 argument(s)`. */
export function checkArgCount(
  prog: string,
  verb: string,
  want: { exact?: number; min?: number; max?: number },
  args: readonly string[],
): void {
  const fail = (what: string, n: number) => {
    throw new UsageError(`${prog}: "${verb}" requires ${what} ${n} argument(s)`);
  };
  if (want.exact !== undefined && args.length !== want.exact) fail('exactly', want.exact);
  if (want.min !== undefined && args.length < want.min) fail('a minimum of', want.min);
  if (want.max !== undefined && args.length > want.max) fail('a maximum of', want.max);
}
