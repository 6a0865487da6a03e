import type { Command } from '../command.js';
import { errorText } from '../error-text.js';
import { openEngine } from '../engine-client.js';
import { startFailureExit, streamToTerminal } from './run.js';

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
    const engine = await openEngine(ctx);
    const containers = engine.containers;
    if (flags.attach || flags.interactive) {
      if (args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
      const rec = await containers.inspect(args[0]!);
      const stdin = Boolean(flags.interactive) && rec.Config.OpenStdin;
      // Attached before the start, as docker's CLI does: no output is missed.
      const session = await containers.attach(rec.Id, { stdin, stdout: true, stderr: true });
      try {
        if (!(await containers.start(rec.Id))) {
          session.close();
          return 0;
        }
      } catch (err) {
        session.close();
        ctx.stderr.write(`Error response from daemon: ${errorText(err)}\n`);
        return startFailureExit(err);
      }
      const code = await streamToTerminal(ctx, session, { stdin, tty: rec.Config.Tty, resize: (h, w) => containers.resize(rec.Id, h, w) });
      if (code === 'detached') return 0;
      return code ?? (await containers.inspect(rec.Id)).State.ExitCode;
    }
    let failed = false;
    for (const ref of args) {
      try {
        await containers.start(ref);
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${errorText(err)}\n`);
      }
    }
    if (failed) {
      ctx.stderr.write('Error: failed to start containers: ' + args.join(', ') + '\n');
      return 1;
    }
    return 0;
  },
};
