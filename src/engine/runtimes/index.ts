// The engine's runtimes by name (HostConfig.Runtime, CRI runtime handlers):
// `gantry`, the in-process runtime (the default), plus OCI runtime CLIs driven
// by oci-cli.ts: runc and crun where found on the host, and any other added
// as name=path (`gantry system service --add-runtime`, or GANTRY_RUNTIMES for
// every command: comma-separated name=path entries). Each OCI runtime keeps its
// state under <runroot>/runtimes/<name>.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import type { Runtime } from '../../runtime/api.js';
import { OciCliRuntime } from './oci-cli.js';

export const DEFAULT_RUNTIME = 'gantry';
/** Looked up on the host when not added by path. */
const BUILTIN_NAMES = ['runc', 'crun'];
/** Where Debian installs them (runc in /usr/sbin, which a user's PATH may lack). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/bin'];

/** name=path entries: GANTRY_RUNTIMES's value split on commas, or --add-runtime values. */
export function parseRuntimeEntries(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries.flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const path = entry.slice(eq + 1).trim();
    if (eq <= 0 || !path) throw invalidArgument(`invalid runtime entry ${JSON.stringify(entry)}: want name=path`);
    if (name === DEFAULT_RUNTIME) throw invalidArgument(`runtime name '${DEFAULT_RUNTIME}' is reserved`);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidArgument(`invalid runtime name: ${name}`);
    out[name] = path;
  }
  return out;
}

/** An executable file named `name` on PATH or in the usual system directories. */
function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      accessSync(path, fsConstants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

export class EngineRuntimes {
  private readonly added: Record<string, string>;
  private readonly opened = new Map<string, Runtime>();

  constructor(
    readonly runroot: string,
    /** The in-process runtime. */
    readonly builtin: Runtime,
    added: Record<string, string> = {},
  ) {
    this.added = { ...parseRuntimeEntries(process.env.GANTRY_RUNTIMES ? [process.env.GANTRY_RUNTIMES] : []), ...added };
  }

  /** Every runtime a container may name, with its binary (docker info's Runtimes). */
  list(): Record<string, { path: string }> {
    const out: Record<string, { path: string }> = { [DEFAULT_RUNTIME]: { path: DEFAULT_RUNTIME } };
    for (const name of BUILTIN_NAMES) {
      const path = findOnPath(name);
      if (path) out[name] = { path };
    }
    for (const [name, path] of Object.entries(this.added)) out[name] = { path: isAbsolute(path) ? path : (findOnPath(path) ?? path) };
    return out;
  }

  /**
   * The binary a new container named `name` runs under (undefined: the
   * in-process runtime); docker's error for a name nobody configured.
   */
  resolve(name: string): string | undefined {
    if (!name || name === DEFAULT_RUNTIME) return undefined;
    const configured = this.added[name];
    const path = configured !== undefined ? (isAbsolute(configured) ? configured : findOnPath(configured)) : BUILTIN_NAMES.includes(name) ? findOnPath(name) : undefined;
    if (!path) throw invalidArgument(`unknown or invalid runtime name: ${name}`);
    return path;
  }

  /** The runtime a container runs under: its name, and the binary recorded at its create. */
  get(name: string, binary: string | undefined): Runtime {
    if (!name || name === DEFAULT_RUNTIME) return this.builtin;
    const path = binary ?? this.resolve(name)!;
    const key = `${name}\0${path}`;
    let runtime = this.opened.get(key);
    if (!runtime) {
      runtime = new OciCliRuntime(name, path, join(this.runroot, 'runtimes', name));
      this.opened.set(key, runtime);
    }
    return runtime;
  }
}
