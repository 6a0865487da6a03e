// What every verb module receives and exports.
import type { Runtime } from '../api.js';
import type { FlagDef, ParsedArgs } from './args.js';
import type { Logger } from './log.js';

export interface GlobalOptions {
  root: string;
  systemdCgroup: boolean;
  debug: boolean;
  /** runc's --rootless auto|true|false; accepted, Gantry decides from the config's user namespace. */
  rootless: string;
}

export interface CliContext {
  globals: GlobalOptions;
  log: Logger;
  /** Opens the runtime library lazily, so verbs like spec and features never load it. */
  runtime(): Promise<Runtime>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Verb {
  name: string;
  /** Argument part of the usage line, e.g. "<container-id> [signal]". */
  usage: string;
  description: string;
  flags: readonly FlagDef[];
  /** Positional argument count, checked with runc's wording before run(). */
  args: { exact?: number; min?: number; max?: number };
  /** exec and ps hand everything after the id to the process (runc's SkipArgReorder). */
  stopAtFirstArg?: boolean;
  /** Resolves to the process exit code. */
  run(ctx: CliContext, parsed: ParsedArgs): Promise<number>;
}
