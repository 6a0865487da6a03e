// container prune: every stopped container the filters do not keep, with the
// bytes of its writable layer. (Volume and network prune live with their parts
// of the interface, engine/local; system prune composes them in the CLI, as
// docker's does.)
import type { EngineCore } from './engine.js';
import { containerSizeRw } from './disk-usage.js';
import type { ContainerRecord } from './store.js';

export interface PruneResult {
  removed: string[];
  spaceReclaimed: number;
}

/** "until=<time>", "label=k[=v]", "label!=k[=v]": true when the container is kept. */
function keptByFilters(rec: ContainerRecord, filters: string[]): boolean {
  return filters.some((f) => {
    const i = f.indexOf('=');
    const [k, v] = [f.slice(0, i), f.slice(i + 1)];
    const labels = rec.Config.Labels ?? {};
    const [lk, lv] = v.split(/=(.*)/s);
    const has = lk! in labels && (lv === undefined || labels[lk!] === lv);
    if (k === 'label') return !has;
    if (k === 'label!') return has;
    if (k === 'until') return Date.parse(rec.Created) >= (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
    return false;
  });
}

export async function pruneContainers(engine: EngineCore, filters: string[] = []): Promise<PruneResult> {
  await engine.containers.repair();
  await engine.store.sweepTrash();
  const out: PruneResult = { removed: [], spaceReclaimed: 0 };
  for (const r of await engine.store.list()) {
    const rec = await engine.containers.view(r);
    if (rec.State.Running || rec.State.Restarting || rec.Gantry.creator !== undefined || keptByFilters(rec, filters)) continue;
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
