// The image layer's facade for the CLI and the engine: names and IDs to images,
// pull/push, tag/remove/prune, save/load/import, GC, and container rootfs
// snapshots (prepare, mount, diff, commit, export).
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, notFound } from '../errdefs/index.js';
import { chainIds, sha256Digest, type Digest } from '../oci/digest.js';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig, Manifest } from '../oci/image-spec.js';
import { MediaType } from '../oci/image-spec.js';
import { familiarString, parseReference, type Reference } from '../oci/reference.js';
import { applyTar } from './archive/apply.js';
import { DigestingStream } from './archive/digesting.js';
import { openContentStore, type ContentStore } from './content/index.js';
import { crashLeftovers, gcImages, ingestAbandoned, type GcOptions, type GcReport } from './gc.js';
import type { LoadedImage } from './import/load.js';
import type { ImportOptions } from './import/rootfs.js';
import type { PullOptions, PullResult, RegistryConfig } from './pull.js';
import type { Change } from './rootfs-changes.js';
import { detectSnapshotter } from './snapshots/detect.js';
import { mountAt, unmount, type Mount } from './snapshots/mount.js';
import { Snapshotter } from './snapshots/snapshotter.js';
import { ImageStore, setTag, type StoredImage } from './store/image-store.js';
import { inspectImage } from './store/inspect.js';
import { withLease } from './store/leases.js';
import { createLayerUnpacker } from './unpack.js';
import type { LayerUnpacker } from './unpack-api.js';

export interface ImageRecord {
  /** The config digest (docker's image ID). */
  id: Digest;
  /** Familiar names as docker shows them: "busybox:latest". */
  repoTags: string[];
  /** Familiar name@digest. */
  repoDigests: string[];
  created?: string;
  /** Unpacked size of all layers, as docker reports it. */
  size: number;
  config: ImageConfig;
  manifest: Descriptor;
  chainIds: Digest[];
  lastTagTime?: string;
}

export type RemoveResult = { Untagged: string } | { Deleted: string };

/** A container using an image: its ID, and whether it runs (dockerd refuses even a forced delete then). */
export interface ImageUser {
  id: string;
  running: boolean;
}

export interface RemoveOptions {
  force?: boolean;
  noPrune?: boolean;
  /**
   * The container using the image, if any. Default: a writable snapshot on the image's top layer, which
   * cannot tell apart images sharing that layer; the engine knows its containers' images.
   */
  inUse?: (imageId: Digest) => Promise<ImageUser | undefined>;
}

export interface CommitOptions {
  reference?: string;
  changes?: string[];
  message?: string;
  author?: string;
  /** The container's config, as docker commit records it (changes apply on top). */
  config?: ContainerConfig;
  /** History entries to append (the layer's is the last one not marked empty_layer); default one with the message. */
  history?: { created_by: string; empty_layer?: boolean; comment?: string }[];
}

const shortHex = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);
const ID_RE = /^(sha256:)?[0-9a-f]{1,64}$/;

export class ImageService {
  readonly unpacker: LayerUnpacker;

  constructor(
    readonly root: string,
    readonly runroot: string,
    readonly content: ContentStore,
    readonly snapshots: Snapshotter,
    readonly store: ImageStore,
    readonly registryConfig?: RegistryConfig,
  ) {
    this.unpacker = createLayerUnpacker(snapshots);
  }

  private get deps() {
    return {
      content: this.content,
      snapshots: this.snapshots,
      images: this.store,
      unpacker: this.unpacker,
      leases: join(this.root, 'leases'),
      staging: join(this.root, 'tmp'),
    };
  }

  /** Runs fn under a lease so a concurrent GC keeps what it writes before recording an image. */
  private leased<T>(fn: () => Promise<T>): Promise<T> {
    return withLease(join(this.root, 'leases'), fn);
  }

  // ---- names and records ----

  private async toRecord(img: StoredImage): Promise<ImageRecord> {
    const config = JSON.parse((await this.content.readBlob(img.id)).toString()) as ImageConfig;
    const chain = chainIds(config.rootfs.diff_ids);
    let size = 0;
    for (const c of chain) size += (await this.snapshots.stat(c))?.size ?? 0;
    return {
      id: img.id,
      repoTags: img.tags.map((t) => familiarString(parseReference(t))),
      repoDigests: img.digests.map((d) => familiarString(parseReference(d))),
      created: config.created,
      size,
      config,
      manifest: img.manifest,
      chainIds: chain,
      lastTagTime: img.lastTagTime,
    };
  }

  /** Finds the stored image for a name, name@digest, full ID or unique ID prefix. */
  private async find(refOrId: string): Promise<{ img: StoredImage; byName?: Reference }> {
    const images = await this.store.list();
    if (/^sha256:[0-9a-f]{64}$/.test(refOrId)) {
      const img = images.find((i) => i.id === refOrId);
      if (img) return { img };
    }
    let ref: Reference | undefined;
    try {
      ref = parseReference(refOrId);
    } catch {
      // not a name; maybe an ID prefix
    }
    if (ref) {
      const s = ref.toString();
      const img = ref.digest
        ? images.find((i) => i.digests.includes(s) || (i.manifest.digest === ref!.digest && [...i.tags, ...i.digests].some((t) => t.startsWith(ref!.name + (t.includes('@') ? '@' : ':')))))
        : images.find((i) => i.tags.includes(s));
      if (img) return { img, byName: ref };
    }
    if (ID_RE.test(refOrId)) {
      const prefix = refOrId.startsWith('sha256:') ? refOrId : `sha256:${refOrId}`;
      const matches = images.filter((i) => i.id.startsWith(prefix));
      if (matches.length > 1) throw invalidArgument(`short ID ${refOrId} is ambiguous`);
      if (matches[0]) return { img: matches[0] };
    }
    throw notFound(`No such image: ${refOrId}`);
  }

  async resolve(refOrId: string): Promise<ImageRecord> {
    return this.toRecord((await this.find(refOrId)).img);
  }

  async list(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const img of await this.store.list()) out.push(await this.toRecord(img));
    return out;
  }

  async inspect(refOrId: string): Promise<Record<string, unknown>> {
    const r = await this.resolve(refOrId);
    const ids: string[] = [];
    for (const c of r.chainIds) ids.unshift((await this.snapshots.stat(c))?.id ?? '');
    const dir = (id: string) => join(this.snapshots.root, id, 'fs');
    const data =
      this.snapshots.name === 'overlayfs' && ids.length > 0 && ids.every(Boolean)
        ? Object.fromEntries(
            Object.entries({ LowerDir: ids.slice(1).map(dir).join(':'), UpperDir: dir(ids[0]!) }).filter(([, v]) => v !== ''),
          )
        : ids[0]
          ? { Dir: dir(ids[0]) }
          : null;
    return inspectImage(r, { Name: this.snapshots.name, Data: data });
  }

  // ---- registry ----

  async pull(reference: string, opts: PullOptions = {}): Promise<PullResult> {
    // pull, push, save, load, import, commit and export are loaded on use: the engine's
    // container hot path (resolve, prepare, mount) needs none of them.
    const { pullImage } = await import('./pull.js');
    return this.leased(() => pullImage(this.deps, reference, { registryConfig: this.registryConfig, ...opts }));
  }

  async push(reference: string, opts: Omit<PullOptions, 'platform'> = {}, target = reference): Promise<{ digest: Digest; size: number }> {
    const { img } = await this.find(reference);
    const { pushImage } = await import('./push.js');
    return pushImage({ content: this.content }, { manifest: img.manifest }, parseReference(target).toString(), { registryConfig: this.registryConfig, ...opts });
  }

  // ---- local names ----

  async tag(source: string, target: string): Promise<void> {
    const { img } = await this.find(source);
    const ref = parseReference(target);
    if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
    const now = new Date().toISOString();
    await this.store.update((images) => {
      const cur = images[img.id];
      if (!cur) throw notFound(`No such image: ${source}`);
      setTag(images, cur, ref.toString(), now);
    });
  }

  async remove(refOrId: string, opts: RemoveOptions = {}): Promise<RemoveResult[]> {
    const { img, byName } = await this.find(refOrId);
    const user = await (opts.inUse ?? ((id: Digest) => this.snapshotUser(id)))(img.id);
    const results: RemoveResult[] = [];
    let deleted = false;
    await this.store.update(async (images) => {
      const cur = images[img.id];
      if (!cur) throw notFound(`No such image: ${refOrId}`);
      const untag = (names: string[]) => {
        for (const n of names) results.push({ Untagged: familiarString(parseReference(n)) });
      };
      if (byName) {
        const name = byName.toString();
        const lastName = cur.tags.filter((t) => t !== name).length === 0;
        if (lastName && user && !opts.force) {
          throw conflict(
            `conflict: unable to remove repository reference "${refOrId}" (must force) - container ${shortHex(user.id)} is using its referenced image ${shortHex(img.id)}`,
          );
        }
        if (cur.tags.includes(name)) {
          cur.tags = cur.tags.filter((t) => t !== name);
          untag([name]);
        } else {
          cur.digests = cur.digests.filter((d) => d !== name);
          untag([name]);
        }
        if (cur.tags.length > 0 || user) return;
        untag(cur.digests);
      } else {
        if (user?.running) {
          throw conflict(`conflict: unable to delete ${shortHex(img.id)} (cannot be forced) - image is being used by running container ${shortHex(user.id)}`);
        }
        if (user && !opts.force) {
          throw conflict(`conflict: unable to delete ${shortHex(img.id)} (must be forced) - image is being used by stopped container ${shortHex(user.id)}`);
        }
        if (cur.tags.length > 1 && !opts.force) {
          throw conflict(`conflict: unable to delete ${shortHex(img.id)} (must be forced) - image is referenced in multiple repositories`);
        }
        untag([...cur.tags, ...cur.digests]);
        if (user) {
          cur.tags = [];
          cur.digests = [];
          return;
        }
      }
      delete images[img.id];
      results.push({ Deleted: img.id });
      deleted = true;
    });
    if (deleted) await this.gc();
    return results;
  }

  /**
   * A writable snapshot built on the image's top layer: its key names the container
   * using the image (the engine keys container rootfs snapshots by container ID).
   */
  private async snapshotUser(imageId: Digest): Promise<ImageUser | undefined> {
    const top = (await this.resolve(imageId)).chainIds.at(-1);
    if (top === undefined) return undefined;
    const key = (await this.snapshots.list()).find((s) => s.kind === 'active' && s.parent === top)?.key;
    return key === undefined ? undefined : { id: key, running: false };
  }

  /** Removes dangling images (all unused ones with `all`); returns what went and the bytes freed. */
  async prune(opts: { all?: boolean; keep?: (r: ImageRecord) => boolean; inUse?: (imageId: Digest) => Promise<ImageUser | undefined> } = {}) {
    const deleted: RemoveResult[] = [];
    for (const r of await this.list()) {
      if (!opts.all && r.repoTags.length > 0) continue;
      if (opts.keep?.(r)) continue;
      if (await (opts.inUse ?? ((id: Digest) => this.snapshotUser(id)))(r.id)) continue;
      const removed = await this.store.update((images) => {
        const cur = images[r.id];
        if (!cur) return false;
        for (const t of [...cur.tags, ...cur.digests]) deleted.push({ Untagged: familiarString(parseReference(t)) });
        delete images[r.id];
        return true;
      });
      if (removed) deleted.push({ Deleted: r.id });
    }
    // Always collected: crash leftovers (a killed pull's half-unpacked layers) go even when no image did.
    const report = await this.gc();
    return { deleted, spaceReclaimed: report.bytesReclaimed };
  }

  gc(opts: GcOptions = {}): Promise<GcReport> {
    return gcImages(this.deps, opts);
  }

  /** Bytes of what GC counts as crash leftovers and partial downloads, and how many of them it would remove now (for `system df`). */
  async leftoverUsage(opts: GcOptions = {}): Promise<{ size: number; reclaimable: number }> {
    const now = Date.now();
    let size = 0;
    let reclaimable = 0;
    for (const l of await crashLeftovers(this.deps, opts)) {
      size += l.bytes;
      if (l.removable) reclaimable += l.bytes;
    }
    for (const ing of await this.content.listIngests()) {
      size += ing.offset;
      if (ingestAbandoned(ing, now, opts)) reclaimable += ing.offset;
    }
    return { size, reclaimable };
  }

  // ---- archives ----

  async save(refs: string[], out: Writable): Promise<void> {
    const items = new Map<Digest, { id: Digest; manifest: Descriptor; names: string[] }>();
    for (const r of refs) {
      const { img, byName } = await this.find(r);
      const item = items.get(img.id) ?? { id: img.id, manifest: img.manifest, names: [] };
      if (byName?.tag && !item.names.includes(byName.toString())) item.names.push(byName.toString());
      items.set(img.id, item);
    }
    const { saveImages } = await import('./export/save.js');
    await saveImages(this.content, [...items.values()], out);
  }

  async load(input: Readable): Promise<LoadedImage[]> {
    const staging = this.deps.staging;
    await mkdir(staging, { recursive: true });
    const { loadArchive } = await import('./import/load.js');
    return this.leased(() => loadArchive(this.deps, input, staging));
  }

  async importRootfs(input: Readable, opts: ImportOptions = {}): Promise<Digest> {
    const reference = opts.reference ? parseReference(opts.reference).toString() : undefined;
    const { importRootfs } = await import('./import/rootfs.js');
    return this.leased(() => importRootfs(this.deps, input, { ...opts, reference }));
  }

  // ---- container rootfs ----

  /** Creates the writable snapshot `key` over the image's layers; returns its mounts. */
  async prepareRootfs(imageId: string | undefined, key: string): Promise<{ mounts: Mount[] }> {
    const image = imageId === undefined ? undefined : await this.resolve(imageId);
    if (image) await this.ensureUnpacked(image);
    await this.snapshots.prepare(key, image?.chainIds.at(-1));
    return { mounts: await this.snapshots.mounts(key) };
  }

  /** Re-creates missing layer snapshots from the content store (e.g. after a crash or a manual cleanup). */
  private async ensureUnpacked(image: ImageRecord): Promise<void> {
    if ((await Promise.all(image.chainIds.map((c) => this.unpacker.hasSnapshot(c)))).every(Boolean)) return;
    const manifest = JSON.parse((await this.content.readBlob(image.manifest.digest)).toString()) as Manifest;
    await this.leased(() =>
      Promise.all(
        manifest.layers.map(async (l, i) => {
          const chainId = image.chainIds[i]!;
          if (await this.unpacker.hasSnapshot(chainId)) return;
          await this.unpacker.applyLayer({
            chainId,
            parentChainId: image.chainIds[i - 1],
            diffId: image.config.rootfs.diff_ids[i]!,
            mediaType: l.mediaType,
            stream: this.content.openBlob(l.digest),
          });
        }),
      ),
    );
  }

  /** Mounts snapshot `key` on target (one mount(8) spawn; layer paths relative to keep options short). */
  async mountRootfs(key: string, target: string): Promise<void> {
    const [m] = await this.snapshots.mounts(key, true);
    if (!m) throw notFound(`snapshot ${key} has no mounts`);
    await mountAt(m, target, this.snapshots.root);
  }

  unmountRootfs(target: string): Promise<void> {
    return unmount(target);
  }

  removeRootfs(key: string): Promise<void> {
    return this.snapshots.remove(key);
  }

  async rootfsChanges(key: string): Promise<Change[]> {
    const info = await this.snapshots.mustStat(key);
    const upper = this.snapshots.fsPath(info.id);
    const parents = info.parent === undefined ? [] : await this.snapshots.chain(info.parent);
    const { overlayChanges, treeChanges } = await import('./rootfs-changes.js');
    if (this.snapshots.name === 'overlayfs') return overlayChanges(upper, parents.map((p) => this.snapshots.fsPath(p.id)));
    return treeChanges(upper, parents[0] && this.snapshots.fsPath(parents[0].id));
  }

  /** Turns a container's changes into a new image layer (docker commit). Returns the image ID. */
  commitRootfs(key: string, opts: CommitOptions = {}): Promise<Digest> {
    return this.leased(() => this.commitSnapshot(key, opts));
  }

  private async commitSnapshot(key: string, opts: CommitOptions): Promise<Digest> {
    const info = await this.snapshots.mustStat(key);
    if (this.snapshots.name !== 'overlayfs') throw invalidArgument('commit needs the overlayfs snapshotter');
    const parentImage = info.parent === undefined ? undefined : await this.imageForChain(info.parent);
    const base: ImageConfig = parentImage?.config ?? { architecture: '', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    const [{ packDirectory }, { applyChanges }, { hostPlatform, writeImage }] = await Promise.all([
      import('./archive/pack.js'),
      import('./import/changes.js'),
      import('./import/rootfs.js'),
    ]);
    // Nothing written: no layer, only history (dockerd's empty_layer), e.g. a builder's config-only step.
    if (info.parent !== undefined && parentImage && (await readdir(this.snapshots.fsPath(info.id))).length === 0) {
      return this.commitConfigOnly(parentImage, opts, writeImage);
    }
    const tar = packDirectory(this.snapshots.fsPath(info.id), { whiteouts: 'overlay' }) as Readable;
    const digesting = new DigestingStream();
    const blob = await this.content.ingest(`commit-${randomBytes(8).toString('hex')}`);
    const toBlob = new Transform({
      transform(chunk: Buffer, _e, cb) {
        blob.write(chunk).then(() => cb(null, chunk), cb);
      },
    });
    tar.on('error', (err) => digesting.destroy(err));
    digesting.on('error', (err) => toBlob.destroy(err));
    let diffId: Digest;
    try {
      await this.snapshots.commitComputed(info.parent, async (dir) => {
        const { size } = await applyTar(dir, tar.pipe(digesting).pipe(toBlob), this.snapshots.whiteoutMode);
        diffId = digesting.digest();
        return { key: info.parent === undefined ? diffId : sha256Digest(`${info.parent} ${diffId}`), size };
      });
      await blob.commit({ digest: diffId!, size: digesting.bytes });
    } catch (err) {
      await blob.abort().catch(() => {});
      throw err;
    }
    const created = new Date().toISOString();
    const containerConfig = applyChanges(opts.config ?? base.config ?? {}, opts.changes ?? []);
    const config: ImageConfig = {
      ...base,
      created,
      author: opts.author ?? base.author,
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, diffId!] },
      history: [...(base.history ?? []), ...historyEntries(opts, created, true)],
    };
    if (!config.architecture) Object.assign(config, hostPlatform());
    const parentLayers = parentImage ? (JSON.parse((await this.content.readBlob(parentImage.manifest.digest)).toString()) as Manifest).layers : [];
    const { manifest, configDigest } = await writeImage(this.content, config, [
      ...parentLayers,
      { mediaType: MediaType.OciLayer, digest: diffId!, size: digesting.bytes },
    ]);
    await this.store.recordImage({ name: opts.reference ? parseReference(opts.reference).toString() : undefined, manifest, configDigest });
    return configDigest;
  }

  private async commitConfigOnly(parent: ImageRecord, opts: CommitOptions, writeImage: typeof import('./import/rootfs.js').writeImage): Promise<Digest> {
    const { applyChanges } = await import('./import/changes.js');
    const created = new Date().toISOString();
    const base = parent.config;
    const config: ImageConfig = {
      ...base,
      created,
      author: opts.author ?? base.author,
      config: applyChanges(opts.config ?? base.config ?? {}, opts.changes ?? []),
      history: [...(base.history ?? []), ...historyEntries(opts, created, false)],
    };
    const layers = (JSON.parse((await this.content.readBlob(parent.manifest.digest)).toString()) as Manifest).layers;
    const { manifest, configDigest } = await writeImage(this.content, config, layers);
    await this.store.recordImage({ name: opts.reference ? parseReference(opts.reference).toString() : undefined, manifest, configDigest });
    return configDigest;
  }

  private async imageForChain(top: Digest | string): Promise<ImageRecord | undefined> {
    for (const r of await this.list()) if (r.chainIds.at(-1) === top) return r;
    return undefined;
  }

  /** The container's merged filesystem as a tar stream (docker export). */
  async exportRootfs(key: string): Promise<Readable> {
    const info = await this.snapshots.mustStat(key);
    const { packDirectory } = await import('./archive/pack.js');
    if (this.snapshots.name !== 'overlayfs' || info.parent === undefined) return packDirectory(this.snapshots.fsPath(info.id));
    // A read-only overlay with the upper as the top lower: allowed while the container has its own mount.
    const lowers = [info.id, ...(await this.snapshots.chain(info.parent)).map((s) => s.id)].map((id) => `${id}/fs`);
    await mkdir(join(this.runroot, 'tmp'), { recursive: true });
    const target = await mkdtemp(join(this.runroot, 'tmp', 'export-'));
    await mountAt({ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }, target, this.snapshots.root);
    const out = new PassThrough();
    const tar = packDirectory(target);
    const cleanup = async () => {
      await unmount(target).catch(() => unmount(target, true));
      await rm(target, { recursive: true, force: true });
    };
    tar.on('error', (err) => void cleanup().finally(() => out.destroy(err)));
    tar.on('end', () => void cleanup());
    return tar.pipe(out);
  }
}

export async function openImageService(opts: { root: string; runroot: string; registryConfig?: RegistryConfig }): Promise<ImageService> {
  const snapRoot = join(opts.root, 'snapshots');
  await mkdir(snapRoot, { recursive: true, mode: 0o700 });
  const snapshots = new Snapshotter(snapRoot, await detectSnapshotter(snapRoot));
  await snapshots.init();
  const store = new ImageStore(join(opts.root, 'images'));
  await store.init();
  return new ImageService(opts.root, opts.runroot, openContentStore(join(opts.root, 'content')), snapshots, store, opts.registryConfig);
}

/** A commit's history entries: only the layer's own (the last not marked empty) keeps empty_layer off, when there is a layer. */
function historyEntries(opts: CommitOptions, created: string, hasLayer: boolean): HistoryEntry[] {
  const given = opts.history ?? [{ created_by: '', ...(opts.message ? { comment: opts.message } : {}) }];
  let layerAt = -1;
  if (hasLayer) for (let i = given.length - 1; i >= 0 && layerAt < 0; i--) if (!given[i]!.empty_layer) layerAt = i;
  if (hasLayer && layerAt < 0) layerAt = given.length - 1;
  return given.map((h, i) => ({
    created,
    ...(opts.author ? { author: opts.author } : {}),
    ...(h.created_by ? { created_by: h.created_by } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
    ...(i === layerAt ? {} : { empty_layer: true }),
  }));
}
