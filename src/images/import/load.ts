// `docker load`: docker-archive tars (manifest.json, with or without the OCI
// layout docker ≥ 25 adds) and OCI layout archives (index.json only, as skopeo
// and podman write them). The archive's files are stored in a staging dir first,
// since manifest.json may come after the blobs it names; its names are resolved
// among its own entries only (archive-entries.ts).
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { chainIds, isDigest, type Digest } from '../../oci/digest.js';
import { MediaType, isIndexMediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../oci/image-spec.js';
import { parseReference } from '../../oci/reference.js';
import { autoDecompress, compressionOfMagic } from '../archive/compression.js';
import type { ContentStore } from '../content/store-api.js';
import type { ImageStore } from '../store/image-store.js';
import type { LayerUnpacker } from '../unpack-api.js';
import { stagingPrefix } from '../snapshots/staging-dir.js';
import { ArchiveEntries } from './archive-entries.js';
import { storeBlobStream } from './layer-blob.js';
import { hostPlatform } from './rootfs.js';

export interface LoadedImage {
  id: Digest;
  /** Normalized names tagged by the load; empty for an untagged image. */
  names: string[];
}

interface Deps {
  content: ContentStore;
  images: ImageStore;
  unpacker: LayerUnpacker;
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const LAYER_TYPE = { none: MediaType.OciLayer, gzip: MediaType.OciLayerGzip, zstd: MediaType.OciLayerZstd } as const;

/** Normalizes a tag found in an archive; undefined if it is not a full reference. */
function nameOf(s: string | undefined): string | undefined {
  if (!s) return undefined;
  try {
    return parseReference(s).toString();
  } catch {
    return undefined;
  }
}

async function unpackAndRecord(
  deps: Deps,
  manifest: Descriptor,
  configDigest: Digest,
  config: ImageConfig,
  layers: Descriptor[],
  names: string[],
): Promise<LoadedImage> {
  const chain = chainIds(config.rootfs.diff_ids);
  if (chain.length !== layers.length) throw invalidArgument(`image has ${layers.length} layers but ${chain.length} diff IDs`);
  await Promise.all(
    layers.map((l, i) =>
      deps.unpacker.applyLayer({ chainId: chain[i]!, parentChainId: chain[i - 1], diffId: config.rootfs.diff_ids[i]!, mediaType: l.mediaType, stream: deps.content.openBlob(l.digest) }),
    ),
  );
  for (const name of names) await deps.images.recordImage({ name, manifest, configDigest });
  if (names.length === 0) await deps.images.recordImage({ manifest, configDigest });
  return { id: configDigest, names };
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function parseDockerManifest(bytes: Buffer): DockerArchiveEntry[] {
  const list = JSON.parse(bytes.toString('utf8')) as unknown;
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!Array.isArray(list)) throw invalidArgument('manifest.json: not a list of images');
  for (const e of list as Partial<DockerArchiveEntry>[]) {
    if (typeof e?.Config !== 'string' || !isStrings(e.Layers) || !(e.RepoTags == null || isStrings(e.RepoTags))) {
      throw invalidArgument('manifest.json: an image entry needs Config (a name) and Layers (a list of names)');
    }
  }
  return list as DockerArchiveEntry[];
}

async function loadDockerArchive(deps: Deps, entries: ArchiveEntries, manifestPath: string): Promise<LoadedImage[]> {
  const list = parseDockerManifest(await readFile(manifestPath));
  // Every name is resolved before anything is stored: a bad one leaves the store as it was.
  const planned = list.map((e) => ({
    configPath: entries.resolve(e.Config, 'manifest.json Config'),
    layerPaths: e.Layers.map((l) => entries.resolve(l, 'manifest.json Layers entry')),
    names: (e.RepoTags ?? []).map(nameOf).filter((n): n is string => n !== undefined),
  }));
  const out: LoadedImage[] = [];
  for (const { configPath, layerPaths, names } of planned) {
    const configBytes = await readFile(configPath);
    const config = JSON.parse(configBytes.toString()) as ImageConfig;
    const layers: Descriptor[] = [];
    for (const path of layerPaths) {
      const mediaType = LAYER_TYPE[compressionOfMagic(await readHead(path))];
      const { digest, size } = await storeBlobStream(deps.content, createReadStream(path));
      layers.push({ mediaType, digest, size });
    }
    const configInfo = await deps.content.putBlob(configBytes);
    const { manifest } = await writeImageForConfig(deps.content, configInfo.digest, configBytes.length, layers);
    out.push(await unpackAndRecord(deps, manifest, configInfo.digest, config, layers, names));
  }
  return out;
}

async function writeImageForConfig(content: ContentStore, configDigest: Digest, configSize: number, layers: Descriptor[]) {
  const m: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configSize }, layers };
  const bytes = Buffer.from(JSON.stringify(m));
  const info = await content.putBlob(bytes);
  return { manifest: { mediaType: MediaType.OciManifest, digest: info.digest, size: info.size } as Descriptor };
}

async function loadOciLayout(deps: Deps, entries: ArchiveEntries, indexPath: string): Promise<LoadedImage[]> {
  const blob = (d: string, what: string) => {
    if (!isDigest(d)) throw invalidArgument(`invalid digest "${d}" in archive`);
    return entries.resolve(`blobs/${d.replace(':', '/')}`, what);
  };
  const json = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;
  const index = await json<Index>(indexPath);
  const host = hostPlatform();
  // Every blob is resolved before anything is stored: a bad name leaves the store as it was.
  const planned = [];
  for (const top of index.manifests) {
    let desc = top;
    const indexBlobs: { digest: Digest; path: string }[] = [];
    if (isIndexMediaType(top.mediaType)) {
      const path = blob(top.digest, 'index.json manifest');
      const nested = await json<Index>(path);
      const pick = nested.manifests.find((m) => m.platform?.architecture === host.architecture && m.platform.os === host.os) ?? nested.manifests[0];
      if (!pick) continue;
      indexBlobs.push({ digest: top.digest, path });
      desc = pick;
    }
    const manifestPath = blob(desc.digest, 'manifest');
    const manifest = await json<Manifest>(manifestPath);
    const blobs = [
      ...indexBlobs,
      { digest: manifest.config.digest, path: blob(manifest.config.digest, 'image config') },
      ...manifest.layers.map((l) => ({ digest: l.digest, path: blob(l.digest, 'layer') })),
      { digest: desc.digest, path: manifestPath },
    ];
    planned.push({ top, desc, manifest, blobs });
  }
  const out: LoadedImage[] = [];
  for (const { top, desc, manifest, blobs } of planned) {
    for (const b of blobs) if (!(await deps.content.has(b.digest))) await storeBlobStream(deps.content, createReadStream(b.path), b.digest);
    const config = JSON.parse((await deps.content.readBlob(manifest.config.digest)).toString()) as ImageConfig;
    const a = top.annotations ?? {};
    const name = nameOf(a['io.containerd.image.name']) ?? (a['org.opencontainers.image.ref.name']?.match(/[/:]/) ? nameOf(a['org.opencontainers.image.ref.name']) : undefined);
    const manifestDesc = { mediaType: desc.mediaType ?? MediaType.OciManifest, digest: desc.digest, size: desc.size };
    out.push(await unpackAndRecord(deps, manifestDesc, manifest.config.digest, config, manifest.layers, name ? [name] : []));
  }
  return out;
}

/** Loads every image in the archive on `input` (any compression). */
export async function loadArchive(deps: Deps, input: Readable, stagingRoot: string): Promise<LoadedImage[]> {
  const dir = await mkdtemp(join(stagingRoot, stagingPrefix('load')));
  try {
    const { stream } = await autoDecompress(input);
    // Kept as a table of the archive's own entries: no name in it reaches the host.
    const entries = await ArchiveEntries.extract(stream, dir);
    const legacy = entries.find('manifest.json', 'manifest.json');
    if (legacy !== undefined) return await loadDockerArchive(deps, entries, legacy);
    const index = entries.find('index.json', 'index.json');
    if (index !== undefined) return await loadOciLayout(deps, entries, index);
    throw invalidArgument('open manifest.json: no such file or directory (not a docker-archive or OCI layout)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
