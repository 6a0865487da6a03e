import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { streamToTerminal } from './run.js';
import { conflict } from '../../errdefs/index.js';

export const command: Command = {
  spec: {
    name: 'attach',
    usage: '[OPTIONS] CONTAINER',
    description: "Attach local standard input, output, and error streams to a running container",
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
      { name: 'no-stdin', type: 'bool', description: 'Do not attach STDIN' },
      { name: 'sig-proxy', type: 'bool', default: true, description: 'Proxy all received signals to the process' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    const containers = engine.containers;
    const rec = await containers.inspect(args[0]!);
    if (!rec.State.Running) throw conflict('You cannot attach to a stopped container, start it first');
    const stdin = !flags['no-stdin'] && rec.Config.OpenStdin;
    const session = await containers.attach(rec.Id, { stdin, stdout: true, stderr: true });
    const code = await streamToTerminal(ctx, session, { stdin, tty: rec.Config.Tty, resize: (h, w) => containers.resize(rec.Id, h, w) });
    if (code === 'detached') return 0;
    return code ?? (await containers.inspect(rec.Id)).State.ExitCode;
  },
};
