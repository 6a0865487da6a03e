// `docker diff`: the container's filesystem changes as docker prints them.
import { posix } from 'node:path';
import type { ContainerChange } from './api-types.js';
import type { EngineCore } from './engine.js';
import { requireImageService } from './image-service.js';
import type { ContainerRecord } from './store.js';

/**
 * Paths the engine creates only as mount points. Docker keeps them in a
 * separate init layer, so they never show in diff; Gantry's single writable
 * layer has them, and they are left out here.
 */
function mountPoints(rec: ContainerRecord): Set<string> {
  const paths = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/dev', '/proc', '/sys', '/dev/shm', '/dev/pts', '/dev/mqueue'];
  for (const m of rec.Mounts) paths.push(posix.normalize(m.Destination));
  return new Set(paths);
}

/** The changes in path order; Kind 0 modified, 1 added, 2 deleted. */
export async function containerChanges(engine: EngineCore, ref: string): Promise<ContainerChange[]> {
  const rec = await engine.containers.get(ref);
  const svc = requireImageService(engine.images, 'diff');
  const skip = mountPoints(rec);
  const changes = (await svc.rootfsChanges(rec.Gantry.rootfsKey)).filter((c) => !(c.Kind === 1 && skip.has(c.Path)));
  // A directory "changed" only by the mount points made in it is not a change either.
  const hidden = new Set([...skip].flatMap((p) => ancestors(p)));
  const kept = changes.filter((c) => !(c.Kind === 0 && hidden.has(c.Path) && !changes.some((o) => o !== c && o.Path.startsWith(c.Path + '/'))));
  return kept.map((c) => ({ Path: c.Path, Kind: c.Kind }));
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = posix.dirname(path); p !== '/'; p = posix.dirname(p)) out.push(p);
  return out;
}
