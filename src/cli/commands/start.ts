import type { Command } from '../command.js';
import { openCliEngine, startFailureExit, streamToTerminal } from './run.js';

export const command: Command = {
  spec: {
    name: 'start',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Start one or more stopped containers',
    minArgs: 1,
    flags: [
      { name: 'attach', short: 'a', type: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
      { name: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
      { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    if (flags.attach || flags.interactive) {
      if (args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
      const rec = await engine.containers.get(args[0]!);
      let session: Awaited<ReturnType<typeof engine.containers.attach>> | undefined;
      try {
        await engine.containers.start(rec.Id, { beforeStart: async (id) => void (session = await engine.containers.attach(id)) });
      } catch (err) {
        session?.close();
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
        return startFailureExit(err);
      }
      if (!session) return 0;
      const code = await streamToTerminal(ctx, session, { stdin: Boolean(flags.interactive) && rec.Config.OpenStdin, tty: rec.Config.Tty });
      if (code === 'detached') return 0;
      return code ?? (await engine.containers.exitInfo(rec.Id))?.exitCode ?? 0;
    }
    let failed = false;
    for (const ref of args) {
      try {
        await engine.containers.start(ref);
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
      }
    }
    if (failed) {
      ctx.stderr.write('Error: failed to start containers: ' + args.join(', ') + '\n');
      return 1;
    }
    return 0;
  },
};
