// `gantry volume create [NAME]`: prints the volume's name.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

const keyValues = (l: string[]) => Object.fromEntries(l.map((x) => [x.split('=')[0]!, x.slice(x.indexOf('=') + 1)]));

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
    const name = args[0] ?? (flags.name as string | undefined);
    const engine = await openEngine(ctx);
    const vol = await engine.volumes
      .create({ ...(name ? { Name: name } : {}), Driver: flags.driver as string, Labels: keyValues((flags.label as string[]) ?? []), DriverOpts: keyValues((flags.opt as string[]) ?? []) })
      .finally(() => engine.close());
    ctx.stdout.write(`${vol.Name}\n`);
  },
};
