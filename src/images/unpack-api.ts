// Contracts between the image "distribution" side (pull/push) and the "local"
// side (snapshots, image metadata): pull applies layers through a LayerUnpacker
// and records the result through an ImageStoreWriter.
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/image-spec.js';

export interface ApplyLayerRequest {
  /** ChainID of the snapshot to create (the layer applied on top of parentChainId). */
  chainId: Digest;
  parentChainId?: Digest;
  /** Expected sha256 of the uncompressed tar (from the config's rootfs.diff_ids). */
  diffId: Digest;
  /** Layer media type: selects gzip, zstd or no decompression. */
  mediaType: string;
  /** The blob's bytes, compressed as stored. */
  stream: Readable;
}

export interface LayerUnpacker {
  hasSnapshot(chainId: Digest): Promise<boolean>;
  /**
   * Decompresses, applies into the snapshot keyed by chainId and checks the
   * uncompressed digest against diffId. On any error no snapshot is left behind.
   * Layers of one image may be applied concurrently.
   */
  applyLayer(a: ApplyLayerRequest): Promise<void>;
}

export interface RecordImageRequest {
  /** Normalized reference with tag, e.g. docker.io/library/busybox:latest. */
  name?: string;
  /** name@digest of the top-level manifest or index as pulled. */
  repoDigest?: string;
  /** The platform manifest. */
  manifest: Descriptor;
  configDigest: Digest;
}

export interface ImageStoreWriter {
  /**
   * Records the image under its name. `moved`: the name (the tag, else name@digest) did not point
   * at this image before, so a pull says "Downloaded newer image" even with every layer at hand (dockerd's rule).
   */
  recordImage(r: RecordImageRequest): Promise<{ moved: boolean }>;
}
