// `docker import`: a rootfs tarball (any compression) becomes a one-layer image.
// One pass: decompress → hash (diff ID) → store the uncompressed tar as the layer
// blob and apply it into the snapshot at the same time.
import { randomBytes } from 'node:crypto';
import { arch } from 'node:os';
import { Transform, type Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import { sha256Digest, type Digest } from '../../oci/digest.js';
import { MediaType, type ContainerConfig, type Descriptor, type ImageConfig, type Manifest } from '../../oci/image-spec.js';
import { applyTar } from '../archive/apply.js';
import { autoDecompress } from '../archive/compression.js';
import { DigestingStream } from '../archive/digesting.js';
import type { ContentStore } from '../content/store-api.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ImageStore } from '../store/image-store.js';
import { applyChanges } from './changes.js';

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): { os: string; architecture: string; variant?: string } {
  const a = GO_ARCH[arch()] ?? arch();
  return a === 'arm64' ? { os: 'linux', architecture: a, variant: 'v8' } : { os: 'linux', architecture: a };
}

export function parsePlatform(s: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!s) return hostPlatform();
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw invalidArgument(`invalid platform "${s}": expected os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export interface ImportOptions {
  /** Normalized reference to tag the image with. */
  reference?: string;
  changes?: string[];
  message?: string;
  platform?: string;
  /** What the history says it came from: "-" or a file name or URL. */
  source?: string;
}

/** Stores a config and an OCI manifest for `diffIds`/`layers`; returns the manifest descriptor. */
export async function writeImage(content: ContentStore, config: ImageConfig, layers: Descriptor[]): Promise<{ manifest: Descriptor; configDigest: Digest }> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configInfo = await content.putBlob(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configInfo.digest, size: configInfo.size },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const info = await content.putBlob(manifestBytes, sha256Digest(manifestBytes));
  return { manifest: { mediaType: MediaType.OciManifest, digest: info.digest, size: info.size }, configDigest: configInfo.digest };
}

export async function importRootfs(
  deps: { content: ContentStore; snapshots: Snapshotter; images: ImageStore },
  input: Readable,
  opts: ImportOptions = {},
): Promise<Digest> {
  const platform = parsePlatform(opts.platform);
  const containerConfig: ContainerConfig = applyChanges({}, opts.changes ?? []);
  const { stream } = await autoDecompress(input);
  const digesting = new DigestingStream();
  const ingest = await deps.content.ingest(`import-${randomBytes(8).toString('hex')}`);
  const toIngest = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      ingest.write(chunk).then(() => cb(null, chunk), cb);
    },
  });
  stream.on('error', (err) => digesting.destroy(err));
  digesting.on('error', (err) => toIngest.destroy(err));
  let diffId: Digest;
  try {
    await deps.snapshots.commitComputed(undefined, async (dir) => {
      const { size } = await applyTar(dir, stream.pipe(digesting).pipe(toIngest), deps.snapshots.whiteoutMode);
      diffId = digesting.digest();
      return { key: diffId, size };
    });
    await ingest.commit({ digest: diffId!, size: digesting.bytes });
  } catch (err) {
    await ingest.abort().catch(() => {});
    throw err;
  }
  const created = new Date().toISOString();
  const config: ImageConfig = {
    created,
    ...platform,
    config: containerConfig,
    rootfs: { type: 'layers', diff_ids: [diffId!] },
    history: [{ created, comment: opts.message || `Imported from ${opts.source ?? '-'}` }],
  };
  const { manifest, configDigest } = await writeImage(deps.content, config, [
    { mediaType: MediaType.OciLayer, digest: diffId!, size: digesting.bytes },
  ]);
  await deps.images.recordImage({ name: opts.reference, manifest, configDigest });
  return configDigest;
}
