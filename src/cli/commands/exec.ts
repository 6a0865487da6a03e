import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { GantryError } from '../../errdefs/index.js';
import { ExecStartError, execInContainer } from '../../engine/exec.js';

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
    if (flags.tty && flags.interactive && !ctx.stdin.isTTY) ctx.stderr.write('the input device is not a TTY\n');
    if (flags.tty && flags.interactive && !ctx.stdin.isTTY) return 1;
    const engine = await openCliEngine(ctx);
    const out = ctx.stdout as { rows?: number; columns?: number };
    try {
      const code = await execInContainer(engine, ref!, {
        cmd,
        env,
        ...(flags.user ? { user: String(flags.user) } : {}),
        ...(flags.workdir !== undefined ? { workdir: String(flags.workdir) } : {}),
        tty: Boolean(flags.tty),
        interactive: Boolean(flags.interactive),
        detach: Boolean(flags.detach),
        privileged: Boolean(flags.privileged),
        ...(out.rows && out.columns ? { consoleSize: [out.rows, out.columns] as [number, number] } : {}),
      });
      return code ?? 0;
    } catch (err) {
      // docker exits 126 when the runtime could not start the process, 1 for the daemon's refusals.
      if (err instanceof ExecStartError) {
        ctx.stderr.write(`OCI runtime exec failed: ${err.message}\n`);
        return 126;
      }
      if (!(err instanceof GantryError)) throw err;
      ctx.stderr.write(`Error response from daemon: ${err.message}\n`);
      return 1;
    }
  },
};
