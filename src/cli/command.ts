// The shape every `gantry` command module has: one file per verb under commands/,
// named after the verb ("run.ts", "image-inspect.ts", "network-create.ts").
import type { CommandSpec, ParsedFlags } from './flags.js';
import type { CliContext } from './context.js';

export interface Command {
  spec: CommandSpec;
  /** Returns the process exit code (default 0). Throw GantryError/UsageError for failures. */
  run(ctx: CliContext, parsed: ParsedFlags): Promise<number | void>;
}
