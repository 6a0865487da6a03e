// `docker system df`: what images, containers and volumes occupy, from the
// same ownership GC uses: an image is in use when an active snapshot (a
// container's rootfs) sits on its top layer; layers are counted once however
// many images share them; a container's size is its writable layer; what a
// crash left of image data (half-unpacked layers, partial downloads) is counted
// apart, with the part GC removes now.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineCore } from './engine.js';
import { requireImageService } from './image-service.js';
import type { ContainerRecord } from './store.js';
import type { VolumeRecord } from './volumes.js';
import type { SystemDf } from './api-types.js';
import { toSummary } from './views.js';
import { BuildCacheIndex } from './build-cache.js';

export interface ImageUsage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string> | null;
  created?: string;
  size: number;
  sharedSize: number;
  containers: number;
}

export interface ContainerUsage {
  rec: ContainerRecord;
  sizeRw: number;
}

export interface VolumeUsage {
  name: string;
  record: VolumeRecord;
  links: number;
  size: number;
}

export interface DiskUsage {
  images: ImageUsage[];
  /** All layers once each. */
  layersSize: number;
  /** Bytes of layers no image in use needs. */
  imagesReclaimable: number;
  /**
   * What GC counts besides layers: crash leftovers (half-unpacked layers, unfinished
   * loads, unpublished snapshots) and partial downloads; reclaimable: what it removes now.
   */
  leftovers: { size: number; reclaimable: number };
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
  buildCache: BuildCacheUsage[];
}

/** A build cache entry: the image a step made, sized by the layer that step added. */
export interface BuildCacheUsage {
  key: string;
  imageId: string;
  size: number;
  createdAt: string;
  lastUsedAt: string;
  usageCount: number;
  description: string;
  /** A tagged image is this entry's image (docker: in use). */
  inUse: boolean;
}

/** What a writable layer holds: file bytes (docker's SizeRw) and entries (the CRI's inodes_used). */
export interface LayerUsage {
  bytes: number;
  inodes: number;
}

/** Bytes of the non-directories under path (not following links) and the number of entries. */
async function treeUsage(path: string): Promise<LayerUsage> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  // A directory's entries at once: the walk's time is in the round trips to the thread pool.
  const parts = await Promise.all(
    entries.map(async (e) => {
      const p = join(path, e.name);
      if (e.isDirectory()) return treeUsage(p);
      return { bytes: (await lstat(p).catch(() => ({ size: 0 }))).size, inodes: 0 };
    }),
  );
  return parts.reduce((u, p) => ({ bytes: u.bytes + p.bytes, inodes: u.inodes + p.inodes }), { bytes: 0, inodes: entries.length });
}

/** The container's writable layer (its rootfs snapshot's own directory, overlay's upper dir). */
export async function containerLayerUsage(engine: EngineCore, rec: ContainerRecord): Promise<LayerUsage> {
  const svc = requireImageService(engine.images, 'size');
  const info = await svc.snapshots.stat(rec.Gantry.rootfsKey);
  return info ? treeUsage(svc.snapshots.fsPath(info.id)) : { bytes: 0, inodes: 0 };
}

/** Bytes in a container's writable layer (docker's SizeRw). */
export async function containerSizeRw(engine: EngineCore, rec: ContainerRecord): Promise<number> {
  return (await containerLayerUsage(engine, rec)).bytes;
}

export async function diskUsage(engine: EngineCore): Promise<DiskUsage> {
  const svc = requireImageService(engine.images, 'system df');
  const [allImages, snapshots, records, leftovers] = await Promise.all([svc.list(), svc.snapshots.list(), engine.store.list(), svc.leftoverUsage()]);
  // Untagged images the build cache made are Build Cache, not Images (docker's intermediate images).
  const cacheEntries = Object.entries(new BuildCacheIndex(engine.root).entries());
  const cacheOnly = new Set(cacheEntries.map(([, e]) => e.imageId));
  const images = allImages.filter((i) => i.repoTags.length > 0 || !cacheOnly.has(i.id));
  const layerSize = new Map<string, number>();
  for (const s of snapshots) if (s.kind === 'committed') layerSize.set(s.key, s.size ?? 0);
  const usersOfLayer = new Map<string, number>();
  for (const img of images) for (const c of img.chainIds) usersOfLayer.set(c, (usersOfLayer.get(c) ?? 0) + 1);
  const activeOn = new Map<string, number>();
  for (const s of snapshots) if (s.kind === 'active' && s.parent) activeOn.set(s.parent, (activeOn.get(s.parent) ?? 0) + 1);

  const usedLayers = new Set<string>();
  const imageUsage = images.map((img) => {
    const top = img.chainIds.at(-1);
    const containers = top === undefined ? 0 : (activeOn.get(top) ?? 0);
    if (containers > 0) for (const c of img.chainIds) usedLayers.add(c);
    const sharedSize = img.chainIds.filter((c) => (usersOfLayer.get(c) ?? 0) > 1).reduce((n, c) => n + (layerSize.get(c) ?? 0), 0);
    return { id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests, labels: img.config.config?.Labels ?? null, ...(img.created ? { created: img.created } : {}), size: img.size, sharedSize, containers };
  });
  const imageLayers = new Set(images.flatMap((i) => i.chainIds));
  const layersSize = [...imageLayers].reduce((n, c) => n + (layerSize.get(c) ?? 0), 0);
  const usedSize = [...usedLayers].reduce((n, c) => n + (layerSize.get(c) ?? 0), 0);

  const containers = await Promise.all(
    records.filter((r) => r.Gantry.creator === undefined).map(async (r) => ({ rec: await engine.containers.view(r), sizeRw: await containerSizeRw(engine, r) })),
  );
  const links = new Map<string, number>();
  for (const r of records) for (const m of r.Mounts) if (m.Type === 'volume' && m.Name) links.set(m.Name, (links.get(m.Name) ?? 0) + 1);
  const volumes = await Promise.all((await engine.volumes.list()).map(async (v) => ({ name: v.Name, record: v, links: links.get(v.Name) ?? 0, size: await engine.volumes.size(v.Name) })));
  const byId = new Map(allImages.map((i) => [i.id as string, i]));
  const buildCache = cacheEntries.flatMap(([key, e]) => {
    const img = byId.get(e.imageId);
    if (!img) return [];
    const top = img.chainIds.at(-1);
    return [{ key, imageId: e.imageId, size: top === undefined ? 0 : (layerSize.get(top) ?? 0), createdAt: e.createdAt, lastUsedAt: e.lastUsedAt, usageCount: e.usageCount, description: e.description, inUse: img.repoTags.length > 0 }];
  });
  return { images: imageUsage, layersSize, imagesReclaimable: layersSize - usedSize, leftovers, containers, volumes, buildCache };
}

/** GET /system/df's shape, plus Gantry's unfinished bytes (what a crash or a stopped pull left of image data). */
export function toSystemDf(du: DiskUsage): SystemDf {
  return {
    LayersSize: du.layersSize,
    Images: du.images.map((i) => ({
      Id: i.id,
      ParentId: '',
      RepoTags: i.repoTags,
      RepoDigests: i.repoDigests,
      Created: i.created ? Math.floor(Date.parse(i.created) / 1000) : 0,
      Size: i.size,
      SharedSize: i.sharedSize,
      Labels: i.labels,
      Containers: i.containers,
    })),
    Containers: du.containers.map(({ rec, sizeRw }) => ({ ...toSummary(rec), SizeRw: sizeRw })),
    Volumes: du.volumes.map((v) => ({ ...v.record, UsageData: { Size: v.size, RefCount: v.links } })),
    BuildCache: du.buildCache.map((b) => ({ ID: b.key.slice(0, 25), Type: 'regular', Size: b.size, CreatedAt: b.createdAt, LastUsedAt: b.lastUsedAt, UsageCount: b.usageCount, InUse: b.inUse, Shared: false, Description: b.description })),
    UnfinishedSize: du.leftovers.size,
    UnfinishedReclaimable: du.leftovers.reclaimable,
  };
}
