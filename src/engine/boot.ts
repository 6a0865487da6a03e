// What runs once at host start (gantry system boot; a daemon at its start):
// records that say running are folded to exited (their monitor is gone),
// stale half-created containers removed, and restart policies applied.
import type { EngineCore } from './engine.js';
import { shouldRestart } from './containers.js';

export interface BootReport {
  /** Names of the containers started. */
  started: string[];
  failed: { name: string; error: string }[];
}

export async function bootContainers(core: EngineCore): Promise<BootReport> {
  await core.store.init();
  await core.containers.repair();
  const report: BootReport = { started: [], failed: [] };
  for (const stored of await core.store.list()) {
    const rec = await core.containers.finishExit(stored.Id);
    if (!rec || rec.State.Running) continue;
    // unless-stopped and always survive a reboot unless the user stopped them.
    if (!shouldRestart(rec)) continue;
    const name = rec.Name.slice(1);
    try {
      await core.containers.start(rec.Id);
      report.started.push(name);
    } catch (err) {
      report.failed.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}
