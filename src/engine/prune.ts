// container prune: every stopped container the filters do not keep, with the
// bytes of its writable layer. (Volume and network prune live with their parts
// of the interface, engine/local; system prune composes them in the CLI, as
// docker's does.)
import type { EngineCore } from './engine.js';
import { containerSizeRw } from './disk-usage.js';
import type { Filters } from './api-types.js';
import { keptByPruneFilters } from './prune-filters.js';

export interface PruneResult {
  removed: string[];
  spaceReclaimed: number;
}

export async function pruneContainers(engine: EngineCore, filters: Filters = {}): Promise<PruneResult> {
  const now = Date.now();
  await engine.containers.repair();
  await engine.store.sweepTrash();
  const out: PruneResult = { removed: [], spaceReclaimed: 0 };
  for (const r of await engine.store.list()) {
    const rec = await engine.containers.view(r);
    if (rec.State.Running || rec.State.Restarting || rec.Gantry.creator !== undefined || keptByPruneFilters(Date.parse(rec.Created), rec.Config.Labels, filters, now)) continue;
    const size = await containerSizeRw(engine, rec).catch(() => 0);
    try {
      await engine.containers.remove(rec.Id, { force: true });
    } catch {
      continue; // started or removed meanwhile
    }
    out.removed.push(rec.Id);
    out.spaceReclaimed += size;
  }
  return out;
}
