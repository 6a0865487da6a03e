// `--change` instructions (Dockerfile syntax) applied to an image config, as
// `docker import -c` and `docker commit -c` accept them.
import { invalidArgument } from '../../errdefs/index.js';
import type { ContainerConfig } from '../../oci/image-spec.js';

const SUPPORTED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** JSON array form or shell form (wrapped in /bin/sh -c). */
function commandForm(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      // not JSON: shell form, as docker falls back
    }
  }
  return ['/bin/sh', '-c', t];
}

/** Splits "a=b c='d e'" into key/value pairs; the legacy "KEY value" form when there is no "=". */
function keyValues(args: string, instruction: string): [string, string][] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < args.length) cur += args[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < args.length) {
      cur += args[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words.length === 0) throw invalidArgument(`${instruction} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(args);
    if (!m) throw invalidArgument(`${instruction} must have two arguments`);
    return [[m[1]!, m[2]!.trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalidArgument(`${instruction} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const out: ContainerConfig = structuredClone(config);
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(change);
    if (!m) continue;
    const instruction = m[1]!.toUpperCase();
    const args = m[2]!;
    if (!SUPPORTED.includes(instruction)) throw invalidArgument(`${m[1]} is not a valid change command`);
    switch (instruction) {
      case 'CMD':
        out.Cmd = commandForm(args);
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = commandForm(args);
        break;
      case 'ENV':
        for (const [k, v] of keyValues(args, 'ENV')) {
          out.Env = [...(out.Env ?? []).filter((e) => e.split('=')[0] !== k), `${k}=${v}`];
        }
        break;
      case 'LABEL':
        out.Labels = { ...out.Labels, ...Object.fromEntries(keyValues(args, 'LABEL')) };
        break;
      case 'EXPOSE':
        for (const port of args.trim().split(/\s+/).filter(Boolean)) {
          const p = port.includes('/') ? port : `${port}/tcp`;
          out.ExposedPorts = { ...out.ExposedPorts, [p]: {} };
        }
        break;
      case 'VOLUME': {
        const t = args.trim();
        const vols = t.startsWith('[') ? (JSON.parse(t) as string[]) : t.split(/\s+/).filter(Boolean);
        for (const v of vols) out.Volumes = { ...out.Volumes, [v]: {} };
        break;
      }
      case 'WORKDIR':
        out.WorkingDir = args.trim();
        break;
      case 'USER':
        out.User = args.trim();
        break;
      case 'STOPSIGNAL':
        out.StopSignal = args.trim();
        break;
      case 'ONBUILD':
        out.OnBuild = [...(out.OnBuild ?? []), args.trim()];
        break;
    }
  }
  return out;
}
