import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { openEngine } from '../engine-client.js';
import { GantryError } from '../../errdefs/index.js';
import type { Engine, IOSession } from '../../engine/api.js';

export const command: Command = {
  spec: {
    name: 'exec',
    usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
    description: 'Execute a command in a running container',
    minArgs: 2,
    stopAtFirstArg: true,
    flags: [
      { name: 'detach', short: 'd', type: 'bool', description: 'Detached mode: run command in the background' },
      { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
      { name: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
      { name: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
      { name: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
      { name: 'privileged', type: 'bool', description: 'Give extended privileges to the command' },
      { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
      { name: 'user', short: 'u', type: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
      { name: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
    ],
  },
  async run(ctx, { flags, args }) {
    const [ref, ...cmd] = args;
    const env: string[] = [];
    for (const f of (flags['env-file'] as string[] | undefined) ?? []) {
      for (const line of (await readFile(f, 'utf8')).split('\n')) if (line.trim() && !line.trimStart().startsWith('#')) env.push(line);
    }
    env.push(...((flags.env as string[] | undefined) ?? []));
    const tty = Boolean(flags.tty);
    const interactive = Boolean(flags.interactive);
    const detach = Boolean(flags.detach);
    if (tty && interactive && !ctx.stdin.isTTY) ctx.stderr.write('the input device is not a TTY\n');
    if (tty && interactive && !ctx.stdin.isTTY) return 1;
    const engine = await openEngine(ctx);
    const out = ctx.stdout;
    const consoleSize = tty && out.rows && out.columns ? ([out.rows, out.columns] as [number, number]) : null;
    try {
      const { Id } = await engine.exec.create(ref!, {
        Cmd: cmd,
        Env: env,
        ...(flags.user ? { User: String(flags.user) } : {}),
        ...(flags.workdir !== undefined ? { WorkingDir: String(flags.workdir) } : {}),
        ...(flags['detach-keys'] ? { DetachKeys: String(flags['detach-keys']) } : {}),
        Tty: tty,
        AttachStdin: interactive && !detach,
        AttachStdout: !detach,
        AttachStderr: !detach,
        Privileged: Boolean(flags.privileged),
        ConsoleSize: consoleSize,
      });
      const session = await engine.exec.start(Id, { Detach: detach, Tty: tty, ConsoleSize: consoleSize });
      if (!session) return 0;
      const code = await relay(ctx, engine, Id, session, { tty, interactive });
      return code ?? (await engine.exec.inspect(Id)).ExitCode ?? 0;
    } catch (err) {
      // docker's CLI: 1 for the daemon's refusals (its 126 for a failed start comes through the session)
      if (!(err instanceof GantryError)) throw err;
      ctx.stderr.write(`Error response from daemon: ${err.message}\n`);
      return 1;
    } finally {
      await engine.close();
    }
  },
};

/** Relays the session to the command's stdio until the output ends; with -t the terminal is raw meanwhile and resizes follow. */
async function relay(ctx: CliContext, engine: Engine, execId: string, session: IOSession, o: { tty: boolean; interactive: boolean }): Promise<number | undefined> {
  session.onOutput((stream, data) => (stream === 2 ? ctx.stderr : ctx.stdout).write(data));
  const stdin = ctx.stdin as CliContext['stdin'] & { setRawMode?: (raw: boolean) => void };
  const raw = o.tty && o.interactive && stdin.isTTY && typeof stdin.setRawMode === 'function';
  const onData = (d: Buffer) => session.writeStdin(d);
  const onEnd = () => session.closeStdin();
  const onResize = () => {
    if (ctx.stdout.rows && ctx.stdout.columns) engine.exec.resize(execId, ctx.stdout.rows, ctx.stdout.columns).catch(() => undefined);
  };
  if (raw) stdin.setRawMode!(true);
  if (o.interactive) {
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  }
  if (o.tty && ctx.stdout.isTTY) ctx.stdout.on('resize', onResize);
  try {
    return await session.ended;
  } finally {
    if (o.tty && ctx.stdout.isTTY) ctx.stdout.off('resize', onResize);
    if (o.interactive) {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      // what is typed after exec returns is the shell's, not ours
      stdin.pause();
    }
    if (raw) stdin.setRawMode!(false);
  }
}
