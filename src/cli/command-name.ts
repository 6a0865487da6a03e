// The verb of a `gantry` command line, found without the CLI's parser (which the
// launchers do not load): names the code cache that fits the command.
const GLOBAL_FLAGS_WITH_VALUE = new Set(['--root', '--runroot', '--registry-config-dir', '--host', '-H', '--log-level', '-l']);

export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') continue;
    if (GLOBAL_FLAGS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return /^[a-z][a-z-]{0,30}$/.test(a) ? a : undefined;
  }
  return undefined;
}
