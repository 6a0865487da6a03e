import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { errorText } from '../error-text.js';
import { openEngine } from '../engine-client.js';

/** Runs fn per argument, printing each ref on success and docker's error line otherwise. */
export async function forEachContainer(ctx: CliContext, refs: string[], fn: (ref: string) => Promise<void>, print = true): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      await fn(ref);
      if (print) ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`Error response from daemon: ${errorText(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

export const command: Command = {
  spec: {
    name: 'rm',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Remove one or more containers',
    minArgs: 1,
    flags: [
      { name: 'force', short: 'f', type: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
      { name: 'volumes', short: 'v', type: 'bool', description: 'Remove anonymous volumes associated with the container' },
      { name: 'link', short: 'l', type: 'bool', description: 'Remove the specified link' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    return forEachContainer(ctx, args, (ref) => engine.containers.remove(ref, { force: Boolean(flags.force), v: Boolean(flags.volumes) }));
  },
};
