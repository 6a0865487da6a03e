// `gantry system boot`: run once at host start (docs/gantry-boot.service).
// Records that say running are folded to exited (their monitor is gone), stale
// half-created containers are removed, and restart policies are applied.
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: { name: 'system boot', usage: '', description: 'Repair state and start containers whose restart policy says so (run at host boot)', maxArgs: 0, flags: [] },
  async run(ctx) {
    const engine = await openCliEngine(ctx);
    const { shouldRestart } = await import('../../engine/containers.js');
    await engine.store.init();
    await engine.containers.repair();
    let failed = 0;
    for (const stored of await engine.store.list()) {
      const rec = await engine.containers.finishExit(stored.Id);
      if (!rec || rec.State.Running) continue;
      // unless-stopped and always survive a reboot unless the user stopped them.
      if (!shouldRestart(rec)) continue;
      try {
        await engine.containers.start(rec.Id);
        ctx.stdout.write(`${rec.Name.slice(1)}\n`);
      } catch (err) {
        failed++;
        ctx.stderr.write(`Error starting ${rec.Name.slice(1)}: ${(err as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
