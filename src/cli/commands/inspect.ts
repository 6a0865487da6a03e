import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

const TYPES = ['container', 'image', 'network', 'volume'] as const;
type ObjectType = (typeof TYPES)[number];

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
    const engine = await openEngine(ctx);
    const type = flags.type as string | undefined;
    // Each kind in docker's order; the first that knows the name wins.
    const lookups: Record<ObjectType, (ref: string) => Promise<unknown>> = {
      container: (ref) => engine.containers.inspect(ref, { size: Boolean(flags.size) }),
      image: (ref) => engine.images.inspect(ref),
      network: (ref) => engine.networks.inspect(ref),
      volume: (ref) => engine.volumes.inspect(ref),
    };
    const results: unknown[] = [];
    let failed = false;
    for (const ref of args) {
      try {
        if (type && !(TYPES as readonly string[]).includes(type)) throw new Error(`"${type}" is not a valid value for --type`);
        let obj: unknown;
        for (const kind of TYPES) {
          if (type && type !== kind) continue;
          obj = await lookups[kind](ref).catch(() => undefined);
          if (obj !== undefined) break;
        }
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
