import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { forEachContainer } from './rm.js';

export const command: Command = {
  spec: { name: 'volume rm', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Remove one or more volumes', minArgs: 1, flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the removal of one or more volumes' }] },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const recs = await engine.store.list();
    const { emitEvent } = await import('../../engine/events.js');
    return forEachContainer(ctx, args, async (name) => {
      const users = recs.filter((r) => r.Mounts.some((m) => m.Name === name)).map((r) => r.Id);
      if (flags.force && !(await engine.volumes.get(name).catch(() => undefined))) return;
      await engine.volumes.remove(name, users);
      await emitEvent(engine.root, 'volume', 'destroy', name, { driver: 'local' });
    });
  },
};
