// `gantry system boot`: run once at host start (docs/gantry-boot.service).
// Records that say running are folded to exited (their monitor is gone), stale
// half-created containers are removed, and restart policies are applied.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: { name: 'system boot', usage: '', description: 'Repair state and start containers whose restart policy says so (run at host boot)', maxArgs: 0, flags: [] },
  async run(ctx) {
    const engine = await openEngine(ctx);
    if (!engine.containers.boot) throw new Error('system boot works on the local engine only: a daemon applies restart policies at its own start');
    const { started, failed } = await engine.containers.boot();
    for (const name of started) ctx.stdout.write(`${name}\n`);
    for (const f of failed) ctx.stderr.write(`Error starting ${f.name}: ${f.error}\n`);
    return failed.length ? 1 : 0;
  },
};
