// Entry point of `gantry`: global flags, then the verb (docker's management
// commands "container ls", "image rm" ... resolve to one module per verb).
import { GantryError, ENGINE_EXIT_CODE } from '../errdefs/index.js';
import { parseFlags, checkArgCount, formatHelp, UsageError } from './flags.js';
import { GLOBAL_SPEC } from './global-spec.js';
import { defaultGlobals, type CliContext } from './context.js';
import type { Command } from './command.js';
import { resolveCommand, isGroup, groupVerb } from './resolve.js';
import { TemplateError } from './template-error.js';
import { WORKER_FLAG } from './prewarm/protocol.js';
import { storeAccessDenied } from '../sys/private-dir.js';
import { errorStack, errorText } from './error-text.js';

const PROG = 'gantry';

/**
 * docker's convention: `run` reports the engine's failures as 125 (so a script
 * can tell them from the container's own exit codes); other commands exit 1
 * (`create` too: docker's 125 there is for its flags, see create.ts).
 * Usage errors are 125 everywhere.
 */
const errorExitCode = (moduleName: string) => (moduleName === 'run' ? ENGINE_EXIT_CODE : 1);

/** A command that reached into a store the caller may not open (a non-root user on root's 0700 store). */
function storeAccessError(err: unknown, globals: CliContext['globals']): GantryError | undefined {
  const { code, path } = err as NodeJS.ErrnoException;
  if ((code !== 'EACCES' && code !== 'EPERM') || !path) return undefined;
  const top = [globals.root, globals.runroot].find((dir) => path === dir || path.startsWith(`${dir}/`));
  return top === undefined ? undefined : storeAccessDenied(top, err);
}

/** Runs one `gantry` command line (without the program name) and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const ctx: CliContext = {
    prog: PROG,
    globals: defaultGlobals(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  };
  let global;
  try {
    global = parseFlags(GLOBAL_SPEC, argv);
  } catch (err) {
    ctx.stderr.write(`${(err as Error).message}\nSee '${PROG} --help'.\n`);
    return ENGINE_EXIT_CODE;
  }
  const g = global.flags;
  if (g.root) ctx.globals.root = String(g.root);
  if (g.runroot) ctx.globals.runroot = String(g.runroot);
  if (g.host) ctx.globals.host = String(g.host);
  if (g['registry-config-dir']) ctx.globals.registryConfigDir = String(g['registry-config-dir']);
  if (g.debug) ctx.globals.debug = true;
  if (g['log-level']) ctx.globals.logLevel = String(g['log-level']);

  if (g.version) {
    const { VERSION } = await import('./version-info.js');
    ctx.stdout.write(`Gantry version ${VERSION}\n`);
    return 0;
  }
  const resolved = resolveCommand(global.args);
  if (!resolved) {
    if (global.args.length === 0 || g.help) {
      const { globalHelp } = await import('./help.js');
      ctx.stdout.write(await globalHelp(GLOBAL_SPEC, PROG));
      return 0;
    }
    const [first = '', second] = global.args;
    if (isGroup(first) && (second === undefined || second === '--help' || second === '-h')) {
      const { groupHelp } = await import('./help.js');
      ctx.stdout.write((await groupHelp(first, PROG))!);
      return 0;
    }
    const { unknownCommand } = await import('./help.js');
    ctx.stderr.write(unknownCommand(global.args, PROG));
    return 1;
  }
  const [moduleName, consumed] = resolved;
  activeModule = moduleName;
  const { command } = (await import(`./commands/${moduleName}.js`)) as { command: Command };
  const rest = global.args.slice(consumed);
  const helpSpec = { ...command.spec, flags: [...command.spec.flags, { name: 'help', type: 'bool' as const }] };
  try {
    const parsed = parseFlags(helpSpec, rest);
    if (parsed.flags.help) {
      // Under its group's words when typed so: "Usage:  gantry container ls [OPTIONS]".
      const name = consumed === 2 ? `${global.args[0]} ${groupVerb(global.args[0]!, global.args[1]!)}` : command.spec.name;
      ctx.stdout.write(formatHelp({ ...command.spec, name }, PROG));
      return 0;
    }
    checkArgCount(command.spec, PROG, parsed.args);
    return (await command.run(ctx, parsed)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`${err.message}\nSee '${PROG} ${command.spec.name} --help'.\n`);
      if (/requires|accepts no/.test(err.message)) {
        ctx.stderr.write(`\nUsage:  ${PROG} ${command.spec.name} ${command.spec.usage}\n\n${command.spec.description}\n`);
      }
      return ENGINE_EXIT_CODE;
    }
    if (err instanceof TemplateError) {
      ctx.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (!(err instanceof GantryError)) err = storeAccessError(err, ctx.globals) ?? err;
    // One line naming the cause; the stack only when debugging.
    ctx.stderr.write(err instanceof GantryError ? `Error response from daemon: ${errorText(err)}\n` : `${PROG}: ${errorText(err)}\n`);
    if (ctx.globals.debug) ctx.stderr.write(`${errorStack(err)}\n`);
    return errorExitCode(moduleName);
  }
}

/** The command being run: a failure outside its handling still exits with its code. */
let activeModule: string | undefined;

/** Last resort for a failure outside any command's handling (a stream's error event, a rejected callback). */
function reportStray(err: unknown): void {
  process.stderr.write(`${PROG}: ${errorText(err)}\n`);
  if (process.env.GANTRY_DEBUG === '1') process.stderr.write(`${errorStack(err)}\n`);
}

/** Runs a command line as this process's work: its exit code becomes the process's. */
export function runAsProcess(args: string[]): Promise<void> {
  const stray = (err: unknown) => {
    // A reader gone from our output (`gantry ps | head -1`) ends us as SIGPIPE ends docker: quietly.
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') process.exit(128 + 13);
    reportStray(err);
    process.exit(activeModule ? errorExitCode(activeModule) : ENGINE_EXIT_CODE);
  };
  process.on('uncaughtException', stray);
  process.on('unhandledRejection', stray);
  return runCli(args[0] === '--' ? args.slice(1) : args).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      reportStray(err);
      process.exitCode = ENGINE_EXIT_CODE;
    },
  );
}

if (!(WORKER_FLAG in globalThis)) void runAsProcess(process.argv.slice(2));

export { warmUp } from './prewarm/warm-up.js';
