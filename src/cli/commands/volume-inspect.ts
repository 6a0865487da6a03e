// `gantry volume inspect`: docker's Volume JSON or -f templates.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import type { Volume } from '../../engine/api.js';

export const command: Command = {
  spec: { name: 'volume inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Display detailed information on one or more volumes', minArgs: 1, flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }] },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    const out: Volume[] = [];
    let failed = false;
    for (const name of args) {
      try {
        out.push(await engine.volumes.inspect(name));
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
      }
    }
    await engine.close();
    const { formatInspect } = await import('../template.js');
    ctx.stdout.write(formatInspect(flags.format as string | undefined, out));
    return failed ? 1 : 0;
  },
};
