// `docker save`: one tar holding an OCI image layout (oci-layout, index.json,
// blobs/sha256/...) plus docker's legacy manifest.json and repositories, as
// docker ≥ 25 writes it, so both `docker load`/`podman load` and OCI tools read it.
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarWriter } from '../archive/tar-writer.js';
import type { Digest } from '../../oci/digest.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../../oci/image-spec.js';
import { familiarName, familiarString, parseReference } from '../../oci/reference.js';
import type { ContentStore } from '../content/store-api.js';

export interface SaveItem {
  id: Digest;
  manifest: Descriptor;
  /** Normalized references to record (docker.io/library/busybox:latest). */
  names: string[];
}

const blobPath = (d: Digest) => `blobs/${d.replace(':', '/')}`;

export async function saveImages(content: ContentStore, items: SaveItem[], out: Writable): Promise<void> {
  const tar = new TarWriter();
  const done = pipeline(tar.stream, out);
  const written = new Set<string>();
  const put = (name: string, data: Buffer) => tar.entry({ name, type: 'file', mode: 0o644 }, data);
  const putBlob = async (d: Digest) => {
    if (written.has(d)) return;
    written.add(d);
    const info = await content.info(d);
    if (!info) throw new Error(`save: blob ${d} is missing from the content store`);
    await tar.entry({ name: blobPath(d), type: 'file', mode: 0o644, size: info.size }, content.openBlob(d));
  };
  try {
    await tar.entry({ name: 'blobs/', type: 'directory', mode: 0o755 });
    await tar.entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755 });
    const index: Index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    const legacy: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const item of items) {
      const manifest = JSON.parse((await content.readBlob(item.manifest.digest)).toString()) as Manifest;
      await putBlob(manifest.config.digest);
      for (const l of manifest.layers) await putBlob(l.digest);
      await putBlob(item.manifest.digest);
      const tags = item.names.map((n) => parseReference(n));
      for (const ref of tags) {
        index.manifests.push({
          ...item.manifest,
          annotations: { 'io.containerd.image.name': ref.toString(), 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' },
        });
        const lastLayer = manifest.layers[manifest.layers.length - 1];
        if (lastLayer && ref.tag) (repositories[familiarName(ref)] ??= {})[ref.tag] = lastLayer.digest.slice(7);
      }
      if (tags.length === 0) index.manifests.push(item.manifest);
      legacy.push({
        Config: blobPath(manifest.config.digest),
        RepoTags: tags.length > 0 ? tags.map((r) => familiarString(r)) : null,
        Layers: manifest.layers.map((l) => blobPath(l.digest)),
      });
    }
    await put('index.json', Buffer.from(JSON.stringify(index)));
    await put('manifest.json', Buffer.from(JSON.stringify(legacy)));
    await put('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length > 0) await put('repositories', Buffer.from(JSON.stringify(repositories)));
    await tar.finish();
  } catch (err) {
    tar.stream.destroy(err as Error);
  }
  await done;
}
