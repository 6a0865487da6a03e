// `kill [--all] <id> [signal]`: signal as a number or a name with or without
// SIG (CRI-O passes the image's stop signal name); SIGTERM by default.
import { parseSignal } from '../signals.js';
import { flagBool } from './args.js';
import type { Verb } from './context.js';

export const verb: Verb = {
  name: 'kill',
  usage: '<container-id> [signal]',
  description:
    'The kill command sends the specified signal (default: SIGTERM) to the container\'s init process,\n' +
    '   or to every process of the container with --all.',
  args: { min: 1, max: 2 },
  flags: [{ names: ['all', 'a'], kind: 'bool', usage: 'send the specified signal to all processes inside the container' }],
  async run(ctx, p) {
    const signal = parseSignal(p.args[1] ?? 'SIGTERM');
    await (await ctx.runtime()).kill(p.args[0]!, signal, { all: flagBool(p, 'all') });
    return 0;
  },
};
