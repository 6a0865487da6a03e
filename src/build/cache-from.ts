// docker's classic --cache-from: a step is taken from a given image when that
// image's history, from the stage's base on, has the same created_by entries as
// the steps so far plus this one (the history travels with the image through
// push and pull, unlike the local cache index). A run of matching steps costs
// nothing until an image is needed: then it is the candidate itself when every
// one of its entries matched, else its prefix (the first layers and history
// entries, with the build's config), loaded as a new image.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { Engine } from '../engine/api.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/image-spec.js';
import { isNotFound } from '../errdefs/index.js';
import { extractTar } from '../engine/tar-tree.js';

export interface CacheCandidate {
  id: string;
  /** created_by of every history entry, oldest first. */
  createdBy: string[];
  /** diff IDs. */
  layers: string[];
}

/** The history of an image as the created_by list, oldest first. */
export async function historyOf(engine: Engine, ref: string): Promise<string[]> {
  return (await engine.images.history(ref)).map((h) => h.CreatedBy).reverse();
}

/** The --cache-from images that exist here (docker skips the others silently). */
export async function loadCandidates(engine: Engine, refs: readonly string[]): Promise<CacheCandidate[]> {
  const out: CacheCandidate[] = [];
  for (const ref of refs) {
    const img = await engine.images.inspect(ref).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (img) out.push({ id: img.Id, createdBy: await historyOf(engine, img.Id), layers: img.RootFS?.Layers ?? [] });
  }
  return out;
}

/** Candidates built on this base: its history and layers are their prefix. */
export function onBase(cands: readonly CacheCandidate[], baseHistory: readonly string[], baseLayers: readonly string[]): CacheCandidate[] {
  return cands.filter(
    (c) => c.createdBy.length > baseHistory.length && baseHistory.every((h, i) => c.createdBy[i] === h) && baseLayers.every((l, i) => c.layers[i] === l),
  );
}

/** The candidates whose entry after `at` matching ones is `entry`. */
export function matching(cands: readonly CacheCandidate[], at: number, entry: string): CacheCandidate[] {
  return cands.filter((c) => c.createdBy[at] === entry);
}

/**
 * The candidate's first `entries` history entries as an image: the candidate
 * itself when that is all of them, else a new image of its first layers with
 * the given config, loaded from a cut-down `docker save` of the candidate.
 */
export async function prefixImage(engine: Engine, cand: CacheCandidate, entries: number, config: ContainerConfig): Promise<string> {
  if (entries === cand.createdBy.length) return cand.id;
  const dir = await mkdtemp(join(tmpdir(), 'gantry-cache-from-'));
  try {
    await extractTar(await engine.images.save([cand.id]), dir);
    const [manifest] = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
    const img = JSON.parse(await readFile(join(dir, manifest!.Config), 'utf8')) as ImageConfig;
    const history: HistoryEntry[] = (img.history ?? []).slice(0, entries);
    const layerCount = history.filter((h) => !h.empty_layer).length;
    const cut: ImageConfig = { ...img, config, history, rootfs: { type: 'layers', diff_ids: img.rootfs.diff_ids.slice(0, layerCount) } };
    const layers = manifest!.Layers.slice(0, layerCount);
    const p = pack();
    p.entry({ name: 'config.json' }, JSON.stringify(cut));
    p.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'config.json', RepoTags: null, Layers: layers }]));
    const writing = (async () => {
      for (const l of layers) {
        const { size } = await import('node:fs/promises').then((fs) => fs.stat(join(dir, l)));
        await new Promise<void>((resolve, reject) => {
          const entry = p.entry({ name: l, size }, (err) => (err ? reject(err) : resolve()));
          createReadStream(join(dir, l)).on('error', reject).pipe(entry);
        });
      }
      p.finalize();
    })();
    const [lines] = await Promise.all([engine.images.load(Readable.from(p), { quiet: true }), writing]);
    const id = lines.map((l) => /Loaded image ID: (\S+)/.exec(l)?.[1]).find(Boolean);
    if (!id) throw new Error(`cache-from: loading a prefix of ${cand.id} gave no image ID`);
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
