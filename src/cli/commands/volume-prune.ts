import type { Command } from '../command.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: {
    name: 'volume prune',
    usage: '[OPTIONS]',
    description: 'Remove unused local volumes',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    const engine = await openCliEngine(ctx);
    const used = new Set((await engine.store.list()).flatMap((r) => r.Mounts.map((m) => m.Name ?? '')));
    let reclaimed = 0;
    const removed: string[] = [];
    for (const v of await engine.volumes.list()) {
      if (used.has(v.Name)) continue;
      if (!flags.all && !/^[0-9a-f]{64}$/.test(v.Name)) continue;
      reclaimed += await engine.volumes.size(v.Name);
      await engine.volumes.remove(v.Name, []);
      removed.push(v.Name);
    }
    if (removed.length) ctx.stdout.write(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
