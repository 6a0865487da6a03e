import type { Command } from '../command.js';
import { CREATE_FLAGS, buildCreateRequest, openCliEngine, withConsoleSize } from './run.js';

export const command: Command = {
  spec: { name: 'create', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create a new container', minArgs: 1, stopAtFirstArg: true, flags: CREATE_FLAGS },
  async run(ctx, parsed) {
    const req = withConsoleSize(buildCreateRequest(parsed), ctx);
    const engine = await openCliEngine(ctx);
    req.onPull = (line) => ctx.stderr.write(line);
    const { Id } = await engine.containers.create(req);
    if (req.hostConfig?.ContainerIDFile) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(req.hostConfig.ContainerIDFile, Id);
    }
    ctx.stdout.write(`${Id}\n`);
  },
};
