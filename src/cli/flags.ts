// A pflag-compatible flag parser (the library docker, podman and runc's users
// are trained on): --name=value, --name value, -abc short groups, -p8080:80,
// bool flags that take =true/=false, repeated list flags, and "--" ending flags.
// Hand-written because docker's exact semantics (stop at the first positional for
// `run IMAGE CMD...`, its error texts) are what users' scripts depend on, and no
// general-purpose parser reproduces them without more code than this file.

export type FlagType = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  description?: string;
  default?: string | number | boolean | string[];
  /** Placeholder shown in help, e.g. "string", "list". */
  valueName?: string;
  hidden?: boolean;
}

export interface CommandSpec {
  /** Words as typed, e.g. "run", "image ls". */
  name: string;
  usage: string; // e.g. "[OPTIONS] IMAGE [COMMAND] [ARG...]"
  description: string;
  flags: FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** Stop parsing flags at the first positional argument (docker run/exec, runc exec). */
  stopAtFirstArg?: boolean;
}

export type FlagValue = string | number | boolean | string[];
export interface ParsedFlags {
  flags: Record<string, FlagValue | undefined>;
  /** Names of flags the user actually set (docker distinguishes "unset" from "default"). */
  set: Set<string>;
  args: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseBool(name: string, v: string): boolean {
  if (/^(1|t|true|TRUE|True)$/.test(v)) return true;
  if (/^(0|f|false|FALSE|False)$/.test(v)) return false;
  throw new UsageError(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const f of spec.flags) {
    byName.set(f.name, f);
    if (f.short) byShort.set(f.short, f);
  }
  const flags: Record<string, FlagValue | undefined> = {};
  const set = new Set<string>();
  for (const f of spec.flags) {
    flags[f.name] = f.type === 'list' ? [...((f.default as string[] | undefined) ?? [])] : f.default;
  }
  const args: string[] = [];

  const assign = (f: FlagSpec, raw: string | undefined, display: string) => {
    if (f.type === 'bool') {
      flags[f.name] = raw === undefined ? true : parseBool(f.name, raw);
    } else {
      if (raw === undefined) throw new UsageError(`flag needs an argument: ${display}`);
      if (f.type === 'int') {
        if (!/^-?\d+$/.test(raw)) {
          throw new UsageError(`invalid argument "${raw}" for "${display}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`);
        }
        flags[f.name] = Number(raw);
      } else if (f.type === 'list') {
        const list = set.has(f.name) ? (flags[f.name] as string[]) : [];
        list.push(raw);
        flags[f.name] = list;
      } else {
        flags[f.name] = raw;
      }
    }
    set.add(f.name);
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byName.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`);
      let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
      if (value === undefined && f.type !== 'bool') {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
      assign(f, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // Short group: -it, -p8080:80, -e=X, -n 5
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        const f = byShort.get(ch);
        if (!f) throw new UsageError(`unknown shorthand flag: '${ch}' in ${a}`);
        if (f.type === 'bool') {
          if (a[j + 1] === '=') {
            assign(f, a.slice(j + 2), `-${ch}, --${f.name}`);
            break;
          }
          assign(f, undefined, `-${ch}, --${f.name}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        else if (value === '') {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${ch}' in -${ch}`);
          value = argv[++i]!;
        }
        assign(f, value, `-${ch}, --${f.name}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (spec.stopAtFirstArg) {
      i++;
      break;
    }
  }
  args.push(...argv.slice(i));
  return { flags, set, args };
}

/** Validates the positional argument count with docker's wording. */
export function checkArgCount(spec: CommandSpec, prog: string, args: readonly string[]): void {
  const cmd = `${prog} ${spec.name}`;
  const { minArgs, maxArgs } = spec;
  if (minArgs !== undefined && maxArgs !== undefined && minArgs === maxArgs && args.length !== minArgs) {
    throw new UsageError(`"${cmd}" requires exactly ${minArgs} argument${minArgs === 1 ? '' : 's'}.`);
  }
  if (minArgs !== undefined && args.length < minArgs) {
    throw new UsageError(`"${cmd}" requires at least ${minArgs} argument${minArgs === 1 ? '' : 's'}.`);
  }
  if (maxArgs !== undefined && args.length > maxArgs) {
    throw new UsageError(
      maxArgs === 0 ? `"${cmd}" accepts no arguments.` : `"${cmd}" requires at most ${maxArgs} argument${maxArgs === 1 ? '' : 's'}.`,
    );
  }
}

export function formatHelp(spec: CommandSpec, prog: string): string {
  const lines = [``, `Usage:  ${[prog, spec.name, spec.usage].filter(Boolean).join(" ")}`, ``, spec.description, ``];
  const visible = spec.flags.filter((f) => !f.hidden);
  if (visible.length) {
    lines.push('Options:');
    const rows = visible.map((f) => {
      const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'bool' ? '' : ` ${f.valueName ?? f.type}`}`;
      return [left, f.description ?? ''] as const;
    });
    const width = Math.max(...rows.map(([l]) => l.length)) + 3;
    for (const [l, d] of rows) lines.push(`  ${l.padEnd(width)}${d}`);
  }
  return lines.join('\n') + '\n';
}
