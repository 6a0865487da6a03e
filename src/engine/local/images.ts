// The Engine interface's images, in-process over the image service: dockerd's
// shapes (summaries, inspect, history, delete records), its progress messages
// for pull and push, and its image events.
import { PassThrough, Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../oci/digest.js';
import { familiarName, familiarString, parseReference, withTag, type Reference } from '../../oci/reference.js';
import { withBar, type ProgressEvent } from '../../images/progress.js';
import type { ImageRecord, ImageService, ImageUser, RemoveResult } from '../../images/service.js';
import type { HistoryItem, ImageInspect, ImageRemoveItem, ImagesAPI, JSONMessage } from '../api.js';
import type { EngineCore } from '../engine.js';
import { requireImageService } from '../image-service.js';
import { BuildCacheIndex } from '../build-cache.js';
import { listImages, pruneSelection } from './image-list.js';
import { registryAuth } from './registry-auth.js';

/** fromImage plus the API's tag parameter (a tag, or a digest for name@digest). */
function pullReference(fromImage: string, tag: string | undefined): Reference {
  const ref = parseReference(fromImage);
  if (!tag) return ref;
  if (/^[A-Za-z][A-Za-z0-9]*:[0-9a-fA-F]{32,}$/.test(tag)) return parseReference(`${ref.name}@${tag}`);
  return withTag(ref, tag);
}

const toMessage = (e: ProgressEvent): JSONMessage => withBar(e);

/** docker history's rows, newest first: the image's ID and tags on the top row, "<missing>" below, as dockerd. */
async function historyOf(svc: ImageService, img: ImageRecord): Promise<HistoryItem[]> {
  const rows: HistoryItem[] = [];
  let layer = 0;
  for (const h of img.config.history ?? []) {
    const chainId = h.empty_layer ? undefined : img.chainIds[layer++];
    rows.unshift({
      Id: '<missing>',
      Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
      CreatedBy: h.created_by ?? '',
      Tags: null,
      // unpacked bytes of the layer, as docker shows them
      Size: chainId ? ((await svc.snapshots.stat(chainId))?.size ?? 0) : 0,
      Comment: h.comment ?? '',
    });
  }
  if (rows[0]) Object.assign(rows[0], { Id: img.id, Tags: img.repoTags.length > 0 ? img.repoTags : null });
  return rows;
}

async function fetchSource(url: string): Promise<Readable> {
  if (!/^https?:\/\//.test(url)) throw invalidArgument(`import: ${url} is not an http(s) URL`);
  const res = await fetch(url);
  if (!res.ok || !res.body) throw invalidArgument(`import ${url}: ${res.status} ${res.statusText}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

export function localImages(core: EngineCore): ImagesAPI {
  const svc = () => requireImageService(core.images, 'images');

  /** dockerd's LogImageEvent: the image's labels, then name. */
  const event = (action: string, id: string, name: string, labels: Record<string, string> | undefined = {}) =>
    core.events.emit({ Type: 'image', Action: action, Actor: { ID: id, Attributes: { ...labels, name } } });
  const labelsOf = (ref: string) => svc().resolve(ref).then((r) => r.config.config?.Labels, () => undefined);

  /** A container created from the image, a running one first (dockerd refuses to delete under it even with force). */
  const containerUsing = async (imageId: Digest): Promise<ImageUser | undefined> => {
    let stopped: ImageUser | undefined;
    for (const rec of await core.store.list()) {
      if (rec.Image !== imageId) continue;
      const live = await core.containers.view(rec);
      if (live.State.Running) return { id: rec.Id, running: true };
      stopped ??= { id: rec.Id, running: false };
    }
    return stopped;
  };

  /** untag events for the names, delete events for the IDs, each under the image they belong to (prune lists untags before their Deleted). */
  const removalEvents = (items: RemoveResult[], imageId?: string, labels?: Record<string, string>) => {
    let untags = 0;
    for (const it of items) {
      if ('Untagged' in it) {
        if (imageId) event('untag', imageId, imageId, labels);
        else untags++;
        continue;
      }
      for (; untags > 0; untags--) event('untag', it.Deleted, it.Deleted);
      event('delete', it.Deleted, it.Deleted);
    }
  };

  return {
    async pull(opts) {
      const ref = pullReference(opts.fromImage, opts.tag);
      const onProgress = opts.onProgress && ((e: ProgressEvent) => opts.onProgress!(toMessage(e)));
      await svc().pull(ref.toString(), { platform: opts.platform, auth: registryAuth(opts.auth), onProgress, signal: opts.signal });
      event('pull', familiarString(ref), familiarName(ref), await labelsOf(ref.toString()));
    },

    async push(name, opts) {
      const parsed = parseReference(name);
      const ref = opts.tag ? withTag(parsed, opts.tag) : parsed;
      const say = opts.onProgress ?? (() => undefined);
      say({ status: `The push refers to repository [${ref.name}]` });
      const onProgress = opts.onProgress && ((e: ProgressEvent) => say(toMessage(e)));
      const { digest, size } = await svc().push(ref.toString(), { auth: registryAuth(opts.auth), onProgress, signal: opts.signal });
      say({ aux: { Tag: ref.tag ?? 'latest', Digest: digest, Size: size } });
      event('push', familiarString(ref), familiarName(ref), await labelsOf(ref.toString()));
    },

    async import(source, opts) {
      const input = typeof source === 'string' ? await fetchSource(source) : source;
      const reference = opts.repo ? (opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo) : undefined;
      const id = await svc().importRootfs(input, {
        reference,
        changes: opts.changes,
        message: opts.message,
        platform: opts.platform,
        source: typeof source === 'string' ? source : '-',
      });
      opts.onProgress?.({ status: id });
      event('import', id, id, await labelsOf(id));
      return id;
    },

    async list(opts = {}) {
      const s = svc();
      let records = await s.list();
      // The build cache's untagged images are docker's intermediate images: shown with -a only.
      if (!opts.all) {
        const cache = new BuildCacheIndex(core.root).imageIds();
        records = records.filter((r) => r.repoTags.length > 0 || !cache.has(r.id));
      }
      return listImages(records, opts.filters ?? {}, (ref) => s.resolve(ref));
    },

    async inspect(name) {
      return (await svc().inspect(name)) as unknown as ImageInspect;
    },

    async history(name) {
      const s = svc();
      return historyOf(s, await s.resolve(name));
    },

    async tag(name, repo, tag) {
      const target = tag ? `${repo}:${tag}` : repo;
      const s = svc();
      await s.tag(name, target);
      const img = await s.resolve(target);
      event('tag', img.id, familiarString(parseReference(target)), img.config.config?.Labels);
    },

    async remove(name, opts = {}) {
      const s = svc();
      const img = await s.resolve(name);
      const items = await s.remove(name, { force: opts.force, noPrune: opts.noprune, inUse: containerUsing });
      removalEvents(items, img.id, img.config.config?.Labels);
      return items as ImageRemoveItem[];
    },

    async prune(filters = {}) {
      const { all, keep } = pruneSelection(filters);
      const { deleted, spaceReclaimed } = await svc().prune({ all, keep, inUse: containerUsing });
      removalEvents(deleted);
      core.events.emit({ Type: 'image', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(spaceReclaimed) } } });
      return { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: spaceReclaimed };
    },

    async load(tar) {
      const loaded = await svc().load(tar);
      const lines: string[] = [];
      for (const img of loaded) {
        if (img.names.length === 0) lines.push(`Loaded image ID: ${img.id}`);
        for (const n of img.names) lines.push(`Loaded image: ${familiarString(parseReference(n))}`);
        event('load', img.id, img.id, await labelsOf(img.id));
      }
      return lines;
    },

    async save(names) {
      const s = svc();
      // Unknown names fail here, before any byte is sent (dockerd answers 404 then).
      const ids = [...new Set((await Promise.all(names.map((n) => s.resolve(n)))).map((r) => r.id))];
      const out = new PassThrough();
      s.save(names, out).then(
        () => ids.forEach((id) => event('save', id, id)),
        (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
      );
      return out;
    },
  };
}
