import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { commitContainer } from '../../engine/commit.js';

export const command: Command = {
  spec: {
    name: 'commit',
    usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    description: "Create a new image from a container's changes",
    minArgs: 1,
    maxArgs: 2,
    flags: [
      { name: 'author', short: 'a', type: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
      { name: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
      { name: 'message', short: 'm', type: 'string', description: 'Commit message' },
      { name: 'pause', short: 'p', type: 'bool', default: true, description: 'Pause container during commit' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const id = await commitContainer(engine, args[0]!, {
      ...(args[1] ? { reference: args[1] } : {}),
      ...(flags.author ? { author: String(flags.author) } : {}),
      ...(flags.message ? { message: String(flags.message) } : {}),
      changes: (flags.change as string[] | undefined) ?? [],
      pause: flags.pause !== false,
    });
    ctx.stdout.write(`${id}\n`);
  },
};
