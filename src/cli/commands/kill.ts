import type { Command } from '../command.js';
import { parseSignal } from '../../runtime/signals.js';
import { openCliEngine } from './run.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: {
    name: 'kill',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Kill one or more running containers',
    minArgs: 1,
    flags: [{ name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' }],
  },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const signal = parseSignal((flags.signal as string | undefined) ?? 'SIGKILL');
    return forEachContainer(ctx, args, (ref) => engine.containers.kill(ref, signal).then(() => undefined));
  },
};
