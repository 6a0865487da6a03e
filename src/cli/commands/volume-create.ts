import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: {
    name: 'volume create',
    usage: '[OPTIONS] [VOLUME]',
    description: 'Create a volume',
    maxArgs: 1,
    flags: [
      { name: 'driver', short: 'd', type: 'string', default: 'local', description: 'Specify volume driver name' },
      { name: 'label', type: 'list', description: 'Set metadata for a volume' },
      { name: 'name', type: 'string', description: 'Specify volume name' },
      { name: 'opt', short: 'o', type: 'list', description: 'Set driver specific options' },
    ],
  },
  async run(ctx, { flags, args }) {
    if (flags.driver !== 'local') throw new Error(`volume driver "${String(flags.driver)}" is not supported`);
    const engine = await openCliEngine(ctx);
    const kv = (l: string[]) => Object.fromEntries(l.map((x) => [x.split('=')[0]!, x.slice(x.indexOf('=') + 1)]));
    const vol = await engine.volumes.create(args[0] ?? (flags.name as string | undefined), kv((flags.label as string[]) ?? []), kv((flags.opt as string[]) ?? []));
    const { emitEvent } = await import('../../engine/events.js');
    await emitEvent(engine.root, 'volume', 'create', vol.Name, { driver: 'local' });
    ctx.stdout.write(`${vol.Name}\n`);
  },
};
