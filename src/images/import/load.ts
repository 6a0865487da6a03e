// `docker load`: docker-archive tars (manifest.json, with or without the OCI
// layout docker ≥ 25 adds) and OCI layout archives (index.json only, as skopeo
// and podman write them). The archive is extracted to a staging dir first, since
// manifest.json may come after the blobs it names.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { chainIds, isDigest, type Digest } from '../../oci/digest.js';
import { MediaType, isIndexMediaType, type Descriptor, type ImageConfig, type Index, type Manifest } from '../../oci/image-spec.js';
import { parseReference } from '../../oci/reference.js';
import { applyTar } from '../archive/apply.js';
import { autoDecompress, compressionOfMagic } from '../archive/compression.js';
import type { ContentStore } from '../content/store-api.js';
import type { ImageStore } from '../store/image-store.js';
import type { LayerUnpacker } from '../unpack-api.js';
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

async function loadDockerArchive(deps: Deps, dir: string): Promise<LoadedImage[]> {
  const entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  const out: LoadedImage[] = [];
  for (const e of entries) {
    const configBytes = await readFile(join(dir, e.Config));
    const config = JSON.parse(configBytes.toString()) as ImageConfig;
    const layers: Descriptor[] = [];
    for (const l of e.Layers) {
      const path = join(dir, l);
      const mediaType = LAYER_TYPE[compressionOfMagic(await readHead(path))];
      const { digest, size } = await storeBlobStream(deps.content, createReadStream(path));
      layers.push({ mediaType, digest, size });
    }
    const configInfo = await deps.content.putBlob(configBytes);
    const { manifest } = await writeImageForConfig(deps.content, configInfo.digest, configBytes.length, layers);
    const names = (e.RepoTags ?? []).map(nameOf).filter((n): n is string => n !== undefined);
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

async function loadOciLayout(deps: Deps, dir: string): Promise<LoadedImage[]> {
  const blob = (d: string) => {
    if (!isDigest(d)) throw invalidArgument(`invalid digest "${d}" in archive`);
    return join(dir, 'blobs', d.replace(':', '/'));
  };
  const copyBlob = async (d: Digest) => {
    if (!(await deps.content.has(d))) await storeBlobStream(deps.content, createReadStream(blob(d)), d);
  };
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as Index;
  const out: LoadedImage[] = [];
  const host = hostPlatform();
  for (const top of index.manifests) {
    let desc = top;
    if (isIndexMediaType(top.mediaType)) {
      const nested = JSON.parse(await readFile(blob(top.digest), 'utf8')) as Index;
      const pick = nested.manifests.find((m) => m.platform?.architecture === host.architecture && m.platform.os === host.os) ?? nested.manifests[0];
      if (!pick) continue;
      await copyBlob(top.digest);
      desc = pick;
    }
    const manifest = JSON.parse(await readFile(blob(desc.digest), 'utf8')) as Manifest;
    await copyBlob(manifest.config.digest);
    for (const l of manifest.layers) await copyBlob(l.digest);
    await copyBlob(desc.digest);
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
  const dir = await mkdtemp(join(stagingRoot, 'load-'));
  try {
    const { stream } = await autoDecompress(input);
    // The archive is trusted no more than a layer: extracted with the same path rules.
    await applyTar(dir, stream, 'merge');
    const hasLegacy = await readFile(join(dir, 'manifest.json')).then(() => true, () => false);
    if (hasLegacy) return await loadDockerArchive(deps, dir);
    const hasIndex = await readFile(join(dir, 'index.json')).then(() => true, () => false);
    if (hasIndex) return await loadOciLayout(deps, dir);
    throw invalidArgument('open manifest.json: no such file or directory (not a docker-archive or OCI layout)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
