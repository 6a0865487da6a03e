// container prune, volume prune and system prune: what is removed is exactly
// what nothing references (stopped containers; volumes no container mounts;
// images no container's rootfs sits on), and system prune finishes with the
// image GC, which also sweeps what a crash left behind.
import type { RemoveResult } from '../images/service.js';
import type { EngineCore } from './engine.js';
import { containerSizeRw } from './disk-usage.js';
import { requireImageService } from './image-service.js';
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

/** Volumes no container mounts; only anonymous ones unless all. */
export async function pruneVolumes(engine: EngineCore, opts: { all?: boolean } = {}): Promise<PruneResult> {
  const used = new Set((await engine.store.list()).flatMap((r) => r.Mounts.map((m) => m.Name ?? '')));
  const out: PruneResult = { removed: [], spaceReclaimed: 0 };
  for (const v of await engine.volumes.list()) {
    if (used.has(v.Name) || (!opts.all && !/^[0-9a-f]{64}$/.test(v.Name))) continue;
    const size = await engine.volumes.size(v.Name);
    await engine.volumes.remove(v.Name, []);
    out.removed.push(v.Name);
    out.spaceReclaimed += size;
  }
  return out;
}

export interface SystemPruneOptions {
  /** Every unused image, not only dangling ones. */
  all?: boolean;
  volumes?: boolean;
  /** The network layer's prune (unused user networks); absent when networking is not loaded. */
  pruneNetworks?: () => Promise<string[]>;
}

export interface SystemPruneReport {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: RemoveResult[];
  spaceReclaimed: number;
}

export async function systemPrune(engine: EngineCore, opts: SystemPruneOptions = {}): Promise<SystemPruneReport> {
  const containers = await pruneContainers(engine);
  const networks = opts.pruneNetworks ? await opts.pruneNetworks() : [];
  const volumes = opts.volumes ? await pruneVolumes(engine) : { removed: [], spaceReclaimed: 0 };
  const svc = requireImageService(engine.images, 'system prune');
  // Ends with the image GC: orphans from crashes (snapshots, blobs, half-unpacked layers nothing owns) go too.
  const images = await svc.prune({ all: Boolean(opts.all) });
  return {
    containers: containers.removed,
    networks,
    volumes: volumes.removed,
    images: images.deleted,
    spaceReclaimed: containers.spaceReclaimed + volumes.spaceReclaimed + images.spaceReclaimed,
  };
}
