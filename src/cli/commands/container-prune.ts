import type { Command } from '../command.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: {
    name: 'container prune',
    usage: '[OPTIONS]',
    description: 'Remove all stopped containers',
    maxArgs: 0,
    flags: [
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    const engine = await openCliEngine(ctx);
    await engine.containers.repair();
    const filters = (flags.filter as string[]) ?? [];
    const removed: string[] = [];
    for (const r of await engine.store.list()) {
      const rec = await engine.containers.view(r);
      if (rec.State.Running || rec.Gantry.creator !== undefined) continue;
      const skip = filters.some((f) => {
        const [k, v = ''] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
        if (k === 'label') return v.includes('=') ? rec.Config.Labels[v.split('=')[0]!] !== v.split('=')[1] : !(v in rec.Config.Labels);
        if (k === 'until') return Date.parse(rec.Created) >= (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
        return false;
      });
      if (skip) continue;
      await engine.containers.remove(rec.Id, { force: true }).catch(() => undefined);
      removed.push(rec.Id);
    }
    if (removed.length) ctx.stdout.write(`Deleted Containers:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(0)}\n`);
  },
};
