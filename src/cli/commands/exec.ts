import { readFile } from 'node:fs/promises';
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { conflict } from '../../errdefs/index.js';
import type { Process, Spec } from '../../oci/runtime-spec.js';

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
    const engine = await openCliEngine(ctx);
    const rec = await engine.containers.get(ref!);
    if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
    if (rec.State.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
    const bundleSpec = JSON.parse(await readFile(engine.store.runPath(rec.Id, 'config.json'), 'utf8')) as Spec;
    const base = bundleSpec.process!;
    const env = new Map<string, string>();
    for (const e of [...(base.env ?? []), ...((flags.env as string[]) ?? [])]) env.set(e.split('=')[0]!, e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`);
    let user = base.user;
    if (flags.user) {
      const { resolveUserInRootfs } = await import('../../engine/spec/user.js');
      const u = await resolveUserInRootfs(String(flags.user), engine.store.runPath(rec.Id, 'rootfs'));
      user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
    }
    if (flags.tty && !flags.detach) {
      ctx.stderr.write('Error: exec -t is not supported yet by the daemonless engine; use exec without -t\n');
      return 125;
    }
    const proc: Process = {
      ...base,
      terminal: false,
      args: cmd,
      env: [...env.values()],
      cwd: (flags.workdir as string | undefined) ?? base.cwd,
      user,
    };
    const detach = Boolean(flags.detach);
    const devnull = detach ? (await import('node:fs')).openSync('/dev/null', 'r+') : -1;
    const stdio: [number, number, number] = detach ? [devnull, devnull, devnull] : [flags.interactive ? 0 : (await import('node:fs')).openSync('/dev/null', 'r'), 1, 2];
    try {
      const res = await engine.runtime.exec(rec.Id, { process: proc, detach, stdio });
      return res.exitCode ?? 0;
    } catch (err) {
      const msg = (err as Error).message;
      ctx.stderr.write(`OCI runtime exec failed: ${msg}\n`);
      return /not found|no such file/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : 126;
    }
  },
};
