import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: { name: 'volume inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Display detailed information on one or more volumes', minArgs: 1, flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }] },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const out: unknown[] = [];
    let failed = false;
    for (const name of args) {
      try {
        out.push(await engine.volumes.get(name));
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
      }
    }
    const { formatInspect } = await import('../template.js');
    ctx.stdout.write(formatInspect(flags.format as string | undefined, out));
    return failed ? 1 : 0;
  },
};
