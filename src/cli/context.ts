// What a command gets from the command line's global part: resolved paths, stdio,
// and lazy access to the engine (loaded only by commands that need it, to keep
// `gantry --version` and friends fast).
import type { Writable, Readable } from 'node:stream';

export interface GlobalOptions {
  /** Engine data directory (images, containers, volumes). */
  root: string;
  /** Engine run directory (runtime state, sockets). */
  runroot: string;
  debug: boolean;
  logLevel: string;
  /** Daemon address (-H/--host or DOCKER_HOST-like GANTRY_HOST); undefined = in-process. */
  host?: string;
  /** Registry host config dir (hosts.toml mirrors): --registry-config-dir or GANTRY_REGISTRY_CONFIG_DIR. */
  registryConfigDir?: string;
}

export interface CliContext {
  prog: string;
  globals: GlobalOptions;
  stdin: Readable & { isTTY?: boolean; fd?: number };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
}

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return {
    root: env.GANTRY_ROOT || '/var/lib/gantry',
    runroot: env.GANTRY_RUNROOT || '/run/gantry',
    debug: env.GANTRY_DEBUG === '1',
    logLevel: 'info',
    host: env.GANTRY_HOST || undefined,
    registryConfigDir: env.GANTRY_REGISTRY_CONFIG_DIR || undefined,
  };
}
