// Entry point of `gantry-runtime`, the runc-compatible command line that
// containerd's shim, conmon (podman) and CRI-O drive. Global flags come before
// the verb; each verb lives in its own module, imported only when it runs, to
// keep the per-call start-up cost close to Node's own.
import { checkArgCount, flagBool, flagString, formatFlagHelp, parseArgs, type FlagDef, type ParsedArgs } from './args.js';
import type { CliContext, GlobalOptions, Verb } from './context.js';
import { Logger, formatLogLine, type LogFormat } from './log.js';

const PROG = 'gantry-runtime';
const DEFAULT_ROOT = '/run/gantry/runtime';

/** Verb → (one-line description for help, module loader). */
const VERBS: Record<string, readonly [string, () => Promise<{ verb: Verb }>]> = {
  create: ['create a container', () => import('./create.js')],
  delete: ['delete any resources held by the container often used with detached container', () => import('./delete.js')],
  events: ['display container events such as OOM notifications, cpu, memory, and IO usage statistics', () => import('./events.js')],
  exec: ['execute new process inside the container', () => import('./exec.js')],
  kill: ["kill sends the specified signal (default: SIGTERM) to the container's init process", () => import('./kill.js')],
  list: ['lists containers started by gantry-runtime with the given root', () => import('./list.js')],
  pause: ['pause suspends all processes inside the container', () => import('./pause.js')],
  ps: ['ps displays the processes running inside a container', () => import('./ps.js')],
  resume: ['resumes all processes that have been previously paused', () => import('./resume.js')],
  run: ['create and run a container', () => import('./run.js')],
  spec: ['create a new specification file', () => import('./spec.js')],
  start: ['executes the user defined process in a created container', () => import('./start.js')],
  state: ['output the state of a container', () => import('./state.js')],
  update: ['update container resource constraints', () => import('./update.js')],
  features: ['show the enabled features', () => import('./features.js')],
};

const GLOBAL_FLAGS: readonly FlagDef[] = [
  { names: ['debug'], kind: 'bool', usage: 'enable debug logging' },
  { names: ['log'], kind: 'string', usage: "set the log file to write gantry-runtime logs to (default is '/dev/stderr')" },
  { names: ['log-format'], kind: 'string', usage: "set the log format ('text' (default), or 'json')", defaultText: '"text"' },
  { names: ['root'], kind: 'string', usage: 'root directory for storage of container state (this should be located in tmpfs)', defaultText: `"${DEFAULT_ROOT}"` },
  { names: ['criu'], kind: 'string', usage: 'accepted for compatibility; checkpoint/restore is not supported' },
  { names: ['systemd-cgroup'], kind: 'bool', usage: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:runc:434234"' },
  { names: ['rootless'], kind: 'string', usage: "ignore cgroup permission errors ('true', 'false', or 'auto')", defaultText: '"auto"' },
  { names: ['cgroup-manager'], kind: 'string', usage: 'accepted for compatibility with crun callers', hidden: true },
  { names: ['help', 'h'], kind: 'bool', usage: 'show help' },
  { names: ['version', 'v'], kind: 'bool', usage: 'print the version' },
];

function globalHelp(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length), 'help, h'.length);
  const verbs = Object.entries(VERBS).map(([name, [desc]]) => `   ${name.padEnd(width)}  ${desc}\n`).join('');
  return (
    `NAME:\n   ${PROG} - Open Container Initiative runtime (Gantry)\n\n` +
    `USAGE:\n   ${PROG} [global options] command [command options] [arguments...]\n\n` +
    `COMMANDS:\n${verbs}   ${'help, h'.padEnd(width)}  Shows a list of commands or help for one command\n\n` +
    `GLOBAL OPTIONS:\n${formatFlagHelp(GLOBAL_FLAGS)}`
  );
}

function verbHelp(verb: Verb): string {
  const flags = formatFlagHelp(verb.flags);
  return (
    `NAME:\n   ${PROG} ${verb.name} - ${VERBS[verb.name]?.[0] ?? verb.description}\n\n` +
    `USAGE:\n   ${PROG} ${verb.name}${verb.flags.length ? ' [command options]' : ''}${verb.usage ? ` ${verb.usage}` : ''}\n\n` +
    `DESCRIPTION:\n   ${verb.description}\n` +
    (flags ? `\nOPTIONS:\n${flags}` : '')
  );
}

function globalsFrom(p: ParsedArgs): GlobalOptions {
  return {
    root: flagString(p, 'root') ?? DEFAULT_ROOT,
    systemdCgroup: flagBool(p, 'systemd-cgroup'),
    debug: flagBool(p, 'debug'),
    rootless: flagString(p, 'rootless') ?? 'auto',
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let global: ParsedArgs;
  try {
    global = parseArgs(GLOBAL_FLAGS, argv, { stopAtFirstArg: true });
  } catch (err) {
    process.stdout.write(`Incorrect Usage. ${(err as Error).message}\n\n${globalHelp()}`);
    process.stderr.write(formatLogLine('text', 'error', (err as Error).message));
    return 1;
  }
  if (flagBool(global, 'version')) {
    const { versionText } = await import('./version.js');
    process.stdout.write(versionText());
    return 0;
  }
  const format = flagString(global, 'log-format') ?? 'text';
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(formatLogLine('text', 'error', `unknown log-format "${format}"`));
    return 1;
  }
  const globals = globalsFrom(global);
  let log: Logger;
  try {
    log = new Logger(format as LogFormat, flagString(global, 'log'), globals.debug);
  } catch (err) {
    process.stderr.write(formatLogLine('text', 'error', `failed to open log file: ${(err as Error).message}`));
    return 1;
  }

  const [name, ...rest] = global.args;
  if (name === undefined || ((name === 'help' || name === 'h') && rest.length === 0) || flagBool(global, 'help')) {
    process.stdout.write(globalHelp());
    return 0;
  }
  const helpFor = name === 'help' || name === 'h' ? rest[0]! : undefined;
  const entry = VERBS[helpFor ?? name];
  if (!entry) {
    log.fatal(`No help topic for '${helpFor ?? name}'`);
    return 3;
  }
  const { verb } = await entry[1]();
  if (helpFor) {
    process.stdout.write(verbHelp(verb));
    return 0;
  }

  let runtime: Promise<import('../api.js').Runtime> | undefined;
  const ctx: CliContext = {
    globals,
    log,
    runtime: () => (runtime ??= import('./runtime.js').then((m) => m.openCliRuntime(globals, log))),
    // getters: touching process.stdout/stderr loads Node's stream modules, which most verbs never use
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
  };
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs([...verb.flags, { names: ['help', 'h'], kind: 'bool', usage: 'show help' }], rest, {
      stopAtFirstArg: verb.stopAtFirstArg,
    });
    if (flagBool(parsed, 'help')) {
      process.stdout.write(verbHelp(verb));
      return 0;
    }
    checkArgCount(PROG, verb.name, verb.args, parsed.args);
  } catch (err) {
    const msg = (err as Error).message;
    process.stdout.write(`Incorrect Usage${msg.startsWith(PROG) ? '.' : `: ${msg}`}\n\n${verbHelp(verb)}`);
    log.fatal(msg);
    return 1;
  }
  try {
    return await verb.run(ctx, parsed);
  } catch (err) {
    log.fatal(errorMessage(err));
    return 1;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Exit explicitly: a container's helper or a stats interval must not keep the CLI alive.
// bin/gantry-runtime puts "--" before our arguments (see there)
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
void main(argv).then((code) => process.exit(code));
