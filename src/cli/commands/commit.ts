import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

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
    const engine = await openEngine(ctx);
    try {
      const [repo, tag] = args[1] ? splitReference(args[1]) : [undefined, undefined];
      const { Id } = await engine.containers.commit(args[0]!, {
        ...(repo ? { repo } : {}),
        ...(tag ? { tag } : {}),
        ...(flags.author ? { author: String(flags.author) } : {}),
        ...(flags.message ? { comment: String(flags.message) } : {}),
        changes: (flags.change as string[] | undefined) ?? [],
        pause: flags.pause !== false,
      });
      ctx.stdout.write(`${Id}\n`);
    } finally {
      await engine.close();
    }
  },
};

/** "repo[:tag]" (a registry's ":port" is not a tag: the tag has no "/"). */
function splitReference(ref: string): [string, string | undefined] {
  const i = ref.lastIndexOf(':');
  if (i <= 0 || ref.slice(i + 1).includes('/') || ref.includes('@')) return [ref, undefined];
  return [ref.slice(0, i), ref.slice(i + 1)];
}
