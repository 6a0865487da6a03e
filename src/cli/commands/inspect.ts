import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: {
    name: 'inspect',
    usage: '[OPTIONS] NAME|ID [NAME|ID...]',
    description: 'Return low-level information on Gantry objects',
    minArgs: 1,
    flags: [
      { name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' },
      { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes if the type is container' },
      { name: 'type', type: 'string', description: 'Only inspect objects of the given type' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const { toInspect } = await import('../../engine/views.js');
    const type = flags.type as string | undefined;
    const results: unknown[] = [];
    let failed = false;
    for (const ref of args) {
      try {
        if (type && type !== 'container' && type !== 'image' && type !== 'volume') throw new Error(`"${type}" is not a valid value for --type`);
        let obj: unknown;
        if (!type || type === 'container') obj = await engine.containers.get(ref).then(toInspect, () => undefined);
        if (obj === undefined && (!type || type === 'image')) {
          const images = engine.images as unknown as { inspect?: (r: string) => Promise<unknown> };
          obj = images.inspect ? await images.inspect(ref).catch(() => undefined) : undefined;
        }
        if (obj === undefined && (!type || type === 'volume')) obj = await engine.volumes.get(ref).catch(() => undefined);
        if (obj === undefined) throw new Error(`No such object: ${ref}`);
        results.push(obj);
      } catch (err) {
        failed = true;
        ctx.stderr.write(`Error: ${(err as Error).message}\n`);
      }
    }
    const { formatInspect } = await import('../template.js');
    ctx.stdout.write(formatInspect(flags.format as string | undefined, results));
    return failed ? 1 : 0;
  },
};
