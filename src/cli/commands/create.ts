import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { CREATE_FLAGS, createContainer, parseCreateRequest } from './run.js';

export const command: Command = {
  spec: { name: 'create', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create a new container', minArgs: 1, stopAtFirstArg: true, flags: CREATE_FLAGS },
  async run(ctx, parsed) {
    // Invalid flags exit 125; the engine's refusals go to main's handler (exit 1), as with docker.
    const req = parseCreateRequest(ctx, parsed, 'create');
    if (typeof req === 'number') return req;
    const engine = await openEngine(ctx);
    ctx.stdout.write(`${await createContainer(ctx, engine, req, Boolean(parsed.flags.quiet))}\n`);
    return 0;
  },
};
