import type { Command } from '../command.js';
import { CREATE_FLAGS, openCliEngine, parseCreateRequest } from './run.js';

export const command: Command = {
  spec: { name: 'create', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create a new container', minArgs: 1, stopAtFirstArg: true, flags: CREATE_FLAGS },
  async run(ctx, parsed) {
    // Invalid flags exit 125; the engine's refusals go to main's handler (exit 1), as with docker.
    const req = parseCreateRequest(ctx, parsed, 'create');
    if (typeof req === 'number') return req;
    const engine = await openCliEngine(ctx);
    req.onPull = (line) => ctx.stderr.write(line);
    const { Id } = await engine.containers.create(req);
    if (req.hostConfig?.ContainerIDFile) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(req.hostConfig.ContainerIDFile, Id);
    }
    ctx.stdout.write(`${Id}\n`);
    return 0;
  },
};
