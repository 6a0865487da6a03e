// Dockerfile → instructions, before any variable is expanded (expansion needs
// the build's ARG and ENV scope, so the builder does it per step). Each
// instruction keeps its source line for errors and its original text for the
// image history ("/bin/sh -c #(nop)  CMD [...]").
import { splitLogicalLines, parseError, type Directives, type Heredoc } from './lines.js';

export type Keyword =
  | 'FROM' | 'RUN' | 'CMD' | 'ENTRYPOINT' | 'ENV' | 'ARG' | 'LABEL' | 'EXPOSE' | 'VOLUME' | 'USER' | 'WORKDIR'
  | 'COPY' | 'ADD' | 'ONBUILD' | 'STOPSIGNAL' | 'HEALTHCHECK' | 'SHELL' | 'MAINTAINER';

const KEYWORDS = new Set<string>(['FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR', 'COPY', 'ADD', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'MAINTAINER']);

/** Flags each instruction accepts (`--from=x`); others are an error, as docker's. */
const FLAGS: Partial<Record<Keyword, string[]>> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export interface Instruction {
  keyword: Keyword;
  /** The whole instruction as written, continuations joined. */
  original: string;
  line: number;
  flags: Record<string, string[]>;
  /**
   * Exec (JSON) form: the array. Shell form: RUN/CMD/ENTRYPOINT/SHELL-less
   * text as one string; COPY/ADD/VOLUME/EXPOSE/ARG/USER/... whitespace-split words;
   * ENV/LABEL "k=v" words (quotes kept, removed at expansion).
   */
  args: string[];
  json: boolean;
  heredocs: Heredoc[];
  /** ONBUILD's inner instruction. */
  inner?: Instruction;
  /** FROM's `AS name`. */
  stageName?: string;
  /** ENV/LABEL pairs [key, raw value] (value not yet expanded). */
  pairs?: [string, string][];
}

export interface Dockerfile {
  directives: Directives;
  instructions: Instruction[];
}

function parseJSONArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // not JSON: the shell form, as docker falls back
  }
  return undefined;
}

/** Leading `--name=value` words. */
function takeFlags(rest: string, keyword: Keyword, line: number): { flags: Record<string, string[]>; rest: string } {
  const flags: Record<string, string[]> = {};
  const allowed = FLAGS[keyword] ?? [];
  for (;;) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    const name = m[1]!;
    if (!allowed.includes(name)) throw parseError(line, `unknown flag: --${name}`);
    (flags[name] ??= []).push(m[2] ?? 'true');
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** Splits on whitespace outside quotes, keeping the quotes (and escapes) for expansion later. */
function splitKeepingQuotes(text: string, escape: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && !quote && i + 1 < text.length) {
      cur += c + text[++i]!;
      inWord = true;
      continue;
    }
    if (quote) {
      if (c === escape && quote === '"' && i + 1 < text.length) {
        cur += c + text[++i]!;
        continue;
      }
      if (c === quote) quote = '';
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (quote) throw new Error('unmatched quote');
  if (inWord) words.push(cur);
  return words;
}

/** ENV/LABEL: `k=v k2="v 2"`, or the legacy `ENV k the rest`. */
function parsePairs(keyword: Keyword, rest: string, line: number, escape: string): [string, string][] {
  let words: string[];
  try {
    words = splitKeepingQuotes(rest, escape);
  } catch {
    throw parseError(line, `${keyword} has an unmatched quote`);
  }
  if (words.length === 0) throw parseError(line, `${keyword} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    if (keyword === 'LABEL') throw parseError(line, `LABEL requires at least one argument`);
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw parseError(line, `ENV must have two arguments`);
    return [[m[1]!, m[2]!]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw parseError(line, `${keyword} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

function parseInstruction(text: string, line: number, heredocs: Heredoc[], escape: string, nested = false): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const word = m[1]!.toUpperCase();
  if (!KEYWORDS.has(word)) throw parseError(line, `unknown instruction: ${m[1]}`);
  const keyword = word as Keyword;
  const { flags, rest } = takeFlags(m[2]!.trim(), keyword, line);
  const base: Instruction = { keyword, original: text, line, flags, args: [], json: false, heredocs };
  const json = parseJSONArray(rest);
  switch (keyword) {
    case 'ONBUILD': {
      if (nested) throw parseError(line, `ONBUILD ONBUILD is not allowed`);
      if (!rest) throw parseError(line, `ONBUILD requires at least one argument`);
      const inner = parseInstruction(rest, line, heredocs, escape, true);
      if (inner.keyword === 'FROM' || inner.keyword === 'MAINTAINER') throw parseError(line, `${inner.keyword} isn't allowed as an ONBUILD trigger`);
      return { ...base, args: [rest], inner };
    }
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      if (json) return { ...base, args: json, json: true };
      if (!rest && keyword === 'RUN' && !heredocs.length) throw parseError(line, `RUN requires at least one argument`);
      return { ...base, args: rest ? [rest] : [] };
    case 'SHELL':
      if (!json) throw parseError(line, `SHELL requires the arguments to be in JSON form`);
      if (json.length === 0) throw parseError(line, `SHELL requires at least one argument`);
      return { ...base, args: json, json: true };
    case 'ENV':
    case 'LABEL':
      return { ...base, args: [rest], pairs: parsePairs(keyword, rest, line, escape) };
    case 'FROM': {
      const words = rest.split(/\s+/).filter(Boolean);
      if (words.length === 0) throw parseError(line, `FROM requires either one or three arguments`);
      if (words.length === 1) return { ...base, args: words };
      if (words.length === 3 && words[1]!.toUpperCase() === 'AS') {
        const name = words[2]!;
        if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(name)) throw parseError(line, `invalid name for build stage: "${name}", name can't start with a number or contain symbols`);
        return { ...base, args: [words[0]!], stageName: name.toLowerCase() };
      }
      throw parseError(line, `FROM requires either one or three arguments`);
    }
    case 'COPY':
    case 'ADD': {
      const args = json ?? rest.split(/\s+/).filter(Boolean);
      if (args.length + heredocs.length < 2 && !(heredocs.length && args.length >= 1)) throw parseError(line, `${keyword} requires at least two arguments, but only one was provided. Destination could not be determined`);
      return { ...base, args, json: Boolean(json) };
    }
    case 'VOLUME': {
      const args = json ?? rest.split(/\s+/).filter(Boolean);
      if (args.length === 0) throw parseError(line, `VOLUME requires at least one argument`);
      return { ...base, args, json: Boolean(json) };
    }
    case 'HEALTHCHECK': {
      const words = rest.split(/\s+/);
      const kind = words[0]?.toUpperCase();
      if (kind === 'NONE') {
        if (words.length > 1) throw parseError(line, `HEALTHCHECK NONE takes no arguments`);
        return { ...base, args: ['NONE'] };
      }
      if (kind !== 'CMD') throw parseError(line, `Unknown type "${words[0] ?? ''}" in HEALTHCHECK (try CMD)`);
      const cmd = rest.replace(/^\S+\s*/, '');
      const cj = parseJSONArray(cmd);
      if (cj) return { ...base, args: cj, json: true };
      if (!cmd) throw parseError(line, `Missing command after HEALTHCHECK CMD`);
      return { ...base, args: [cmd] };
    }
    case 'ARG': {
      const args = splitKeepingQuotes(rest, escape);
      if (args.length === 0) throw parseError(line, `ARG requires at least one argument`);
      return { ...base, args };
    }
    case 'EXPOSE': {
      const args = rest.split(/\s+/).filter(Boolean);
      if (args.length === 0) throw parseError(line, `EXPOSE requires at least one argument`);
      return { ...base, args };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER': {
      if (!rest) throw parseError(line, `${keyword} requires exactly one argument`);
      if (keyword === 'STOPSIGNAL' && /\s/.test(rest)) throw parseError(line, `STOPSIGNAL requires exactly one argument`);
      return { ...base, args: [rest] };
    }
  }
}

export function parseDockerfile(source: string): Dockerfile {
  const { directives, lines } = splitLogicalLines(source);
  if (lines.length === 0) throw parseError(1, 'file with no instructions');
  const instructions = lines.map((l) => parseInstruction(l.text, l.line, l.heredocs, directives.escape));
  const firstNonArg = instructions.find((i) => i.keyword !== 'ARG');
  if (!firstNonArg || firstNonArg.keyword !== 'FROM') {
    throw parseError(firstNonArg?.line ?? 1, `no build stage in current context`);
  }
  return { directives, instructions };
}
