// Garbage collection, mark and sweep. Roots: every image record (its manifest,
// config, layers, repo-digest targets, and the snapshots of its chain IDs), every
// active snapshot (containers' rootfs) with its parents, and extra roots the engine
// passes. Swept: unreferenced blobs and committed snapshots, abandoned ingests, and
// what a crash can leave behind (staging dirs, snapshot dirs no key points to).
import { lstat, readdir, readlink, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GantryError } from '../errdefs/index.js';
import { chainIds, type Digest } from '../oci/digest.js';
import type { ImageConfig, Manifest } from '../oci/image-spec.js';
import type { ContentStore } from './content/store-api.js';
import type { Snapshotter } from './snapshots/snapshotter.js';
import { stagingWriterAlive } from './snapshots/staging-dir.js';
import { processAlive } from '../sys/process-alive.js';
import type { ImageStore } from './store/image-store.js';
import { oldestLease } from './store/leases.js';

export interface GcOptions {
  /** Snapshot keys the engine holds in addition to active snapshots. */
  extraSnapshotRoots?: string[];
  /** Ingests untouched for longer than this are abandoned (default 1 hour; 0 removes all). */
  ingestMaxAgeMs?: number;
  /**
   * Crash leftovers that do not name a writer (unpublished snapshot dirs, staging dirs
   * of older versions) younger than this may belong to a running operation (default 10 minutes).
   */
  orphanGraceMs?: number;
}

export interface GcReport {
  blobs: Digest[];
  snapshots: string[];
  ingests: string[];
  orphans: string[];
  bytesReclaimed: number;
}

async function duBytes(path: string): Promise<number> {
  let total = 0;
  const walk = async (p: string) => {
    const st = await lstat(p).catch(() => undefined);
    if (!st) return;
    if (st.isFile()) total += st.size;
    if (st.isDirectory()) for (const e of await readdir(p).catch(() => [] as string[])) await walk(join(p, e));
  };
  await walk(path);
  return total;
}

/** Ingests untouched for longer than the max age (a resume would still want younger ones). */
export function ingestAbandoned(ing: { updatedAt: Date }, now: number, opts: GcOptions): boolean {
  const maxAge = opts.ingestMaxAgeMs ?? 3600_000;
  return maxAge === 0 || now - ing.updatedAt.getTime() >= maxAge;
}

export interface Leftover {
  path: string;
  bytes: number;
  /** GC removes it now: its writer is gone, or (unless its name proves the writer runs) it is older than the grace. */
  removable: boolean;
}

/**
 * What a crash can leave behind: staging dirs (half-unpacked snapshots, loads),
 * snapshot dirs no key links to, half-written metadata. Staging dirs name their
 * writer (staging-dir.ts) and are removable the moment it is dead, however young,
 * and never while it runs; metadata temp files once their writer's pid is gone;
 * the rest, and staging dirs of older versions, once older than the grace.
 */
export async function crashLeftovers(
  deps: { snapshots: Snapshotter; images: ImageStore; staging: string },
  opts: GcOptions = {},
): Promise<Leftover[]> {
  const now = Date.now();
  const grace = opts.orphanGraceMs ?? 600_000;
  const linked = new Set<string>();
  const keysDir = join(deps.snapshots.root, 'keys');
  for (const name of await readdir(keysDir).catch(() => [] as string[])) {
    const target = await readlink(join(keysDir, name)).catch(() => undefined);
    if (target !== undefined) linked.add(target.replace(/^\.\.\//, ''));
  }
  const { ids, staging } = await deps.snapshots.onDisk();
  const halfWritten = (await readdir(deps.images.root).catch(() => [] as string[]))
    .filter((n) => n.startsWith('.tmp-'))
    .map((n) => join(deps.images.root, n));
  const loads = (await readdir(deps.staging).catch(() => [] as string[])).map((n) => join(deps.staging, n));
  const candidates = [...ids.filter((id) => !linked.has(id)).map((id) => join(deps.snapshots.root, id)), ...staging, ...halfWritten, ...loads];
  const out: Leftover[] = [];
  for (const path of candidates) {
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    const name = basename(path);
    const old = now - st.mtimeMs >= grace;
    // A staging name proves its writer (pid and start time); a metadata temp's pid may have been reused, so age still counts.
    const staged = stagingWriterAlive(name);
    const removable = staged !== undefined ? !staged : metadataWriterDead(name) || old;
    out.push({ path, bytes: await duBytes(path), removable });
  }
  return out;
}

/** A ".tmp-<pid>-…" file (atomic-file.ts) whose writer is gone. */
function metadataWriterDead(name: string): boolean {
  const m = /^\.tmp-(\d+)-/.exec(name);
  return m !== null && !processAlive(Number(m[1]));
}

export async function gcImages(
  deps: { content: ContentStore; snapshots: Snapshotter; images: ImageStore; leases: string; staging: string },
  opts: GcOptions = {},
): Promise<GcReport> {
  const report: GcReport = { blobs: [], snapshots: [], ingests: [], orphans: [], bytesReclaimed: 0 };
  const now = Date.now();
  // Objects newer than a live lease may belong to an image not recorded yet.
  const leaseStart = await oldestLease(deps.leases);
  const leased = async (path: string) => leaseStart !== undefined && ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) >= leaseStart;
  const liveBlobs = new Set<string>();
  const liveSnapshots = new Set<string>(opts.extraSnapshotRoots ?? []);

  for (const img of await deps.images.list()) {
    liveBlobs.add(img.manifest.digest);
    liveBlobs.add(img.id);
    for (const d of img.digests) liveBlobs.add(d.slice(d.lastIndexOf('@') + 1));
    try {
      const manifest = JSON.parse((await deps.content.readBlob(img.manifest.digest)).toString()) as Manifest;
      for (const l of manifest.layers) liveBlobs.add(l.digest);
      liveBlobs.add(manifest.config.digest);
      const config = JSON.parse((await deps.content.readBlob(img.id)).toString()) as ImageConfig;
      for (const c of chainIds(config.rootfs.diff_ids)) liveSnapshots.add(c);
    } catch {
      // an image whose blobs are gone keeps what it still has
    }
  }
  // Index blobs that list a live manifest (pulled multi-platform images) stay too.
  for await (const b of deps.content.list()) {
    if (liveBlobs.has(b.digest) || b.size > 4 << 20) continue;
    try {
      const doc = JSON.parse((await deps.content.readBlob(b.digest)).toString()) as { manifests?: { digest: string }[] };
      if (Array.isArray(doc.manifests) && doc.manifests.some((m) => liveBlobs.has(m.digest))) liveBlobs.add(b.digest);
    } catch {
      // not JSON: a layer
    }
  }

  const all = await deps.snapshots.list();
  const byKey = new Map(all.map((s) => [s.key, s]));
  for (const s of all) if (s.kind === 'active') liveSnapshots.add(s.key);
  // Parents of everything live are live.
  for (const key of [...liveSnapshots]) {
    for (let k = byKey.get(key)?.parent; k !== undefined && !liveSnapshots.has(k); k = byKey.get(k)?.parent) liveSnapshots.add(k);
  }

  for await (const b of deps.content.list()) {
    if (liveBlobs.has(b.digest) || (await leased(deps.content.blobPath(b.digest)))) continue;
    await deps.content.delete(b.digest);
    report.blobs.push(b.digest);
    report.bytesReclaimed += b.size;
  }
  // Children before parents, so a snapshot is never removed while a child still needs it.
  const dead = all
    .filter((s) => !liveSnapshots.has(s.key) && !(leaseStart !== undefined && Date.parse(s.created) >= leaseStart))
    .sort((a, b) => Number(b.id) - Number(a.id));
  for (const s of dead) {
    report.bytesReclaimed += await deps.snapshots.usage(s.id);
    await deps.snapshots.remove(s.key);
    report.snapshots.push(s.key);
  }

  for (const ing of await deps.content.listIngests()) {
    if (!ingestAbandoned(ing, now, opts)) continue;
    try {
      await deps.content.abortIngest(ing.ref);
    } catch (err) {
      if (err instanceof GantryError && err.code === 'failed-precondition') continue; // a live writer holds it
      throw err;
    }
    report.ingests.push(ing.ref);
    report.bytesReclaimed += ing.offset;
  }

  // Keys whose dir a crash (or a manual cleanup) removed.
  const keysDir = join(deps.snapshots.root, 'keys');
  for (const name of await readdir(keysDir).catch(() => [] as string[])) {
    const target = await readlink(join(keysDir, name)).catch(() => undefined);
    if (target === undefined || (await stat(join(deps.snapshots.root, target.replace(/^\.\.\//, ''))).catch(() => undefined))) continue;
    await rm(join(keysDir, name), { force: true });
    report.orphans.push(join(keysDir, name));
  }
  for (const l of await crashLeftovers(deps, opts)) {
    if (!l.removable) continue;
    report.bytesReclaimed += l.bytes;
    await rm(l.path, { recursive: true, force: true });
    report.orphans.push(l.path);
  }
  return report;
}
