// LayerUnpacker: one stream per layer (decompress → hash → apply) into a snapshot
// keyed by chain ID. Layers of one image may arrive concurrently: overlay diffs are
// independent; the native snapshotter copies its parent, so it waits for it.
import type { Readable } from 'node:stream';
import { failedPrecondition, invalidArgument, notFound } from '../errdefs/index.js';
import type { Digest } from '../oci/digest.js';
import { applyTar } from './archive/apply.js';
import { compressionOfMediaType, decompress } from './archive/compression.js';
import { DigestingStream } from './archive/digesting.js';
import type { Snapshotter } from './snapshots/snapshotter.js';
import type { ApplyLayerRequest, LayerUnpacker } from './unpack-api.js';

/** Rejects once `stream` fails or is destroyed (the pull gave up on the layer); never resolves otherwise. */
function streamClosed(stream: Readable): { promise: Promise<never>; dispose: () => void } {
  let onError = (_err: Error) => {};
  let onClose = () => {};
  const promise = new Promise<never>((_, reject) => {
    onError = reject;
    onClose = () => reject(stream.errored ?? new Error('layer stream closed'));
    if (stream.destroyed) return onClose();
    stream.once('error', onError);
    stream.once('close', onClose);
  });
  promise.catch(() => {});
  const dispose = () => {
    stream.off('error', onError);
    stream.off('close', onClose);
  };
  return { promise, dispose };
}

export function createLayerUnpacker(snapshots: Snapshotter): LayerUnpacker {
  /** Applies running in this process, registered before their first await so a child always finds its parent's. */
  const applying = new Map<Digest, Promise<void>>();

  /**
   * A parent is either being applied by this process (pull and prepare start every
   * missing layer of an image, parents first) or already on disk, possibly made by
   * another process: one check each, no polling.
   */
  const waitForParent = async (parent: Digest, stream: Readable): Promise<void> => {
    const running = applying.get(parent);
    if (running) {
      const closed = streamClosed(stream);
      try {
        await Promise.race([
          running.catch((err: unknown) => {
            throw failedPrecondition(`parent layer ${parent} failed: ${(err as Error).message}`, err);
          }),
          closed.promise,
        ]);
      } finally {
        closed.dispose();
      }
      return;
    }
    if (!(await snapshots.stat(parent))) throw notFound(`parent snapshot ${parent} does not exist`);
  };

  const apply = async (a: ApplyLayerRequest): Promise<void> => {
    const compression = compressionOfMediaType(a.mediaType);
    if (await snapshots.stat(a.chainId)) {
      a.stream.destroy();
      return;
    }
    if (a.parentChainId !== undefined && snapshots.name === 'native') await waitForParent(a.parentChainId, a.stream);
    await snapshots.commit(a.chainId, a.parentChainId, async (dir) => {
      // Destroyed while we waited (for the parent, or its copy): piping it would never end.
      if (a.stream.destroyed) throw a.stream.errored ?? new Error('layer stream closed');
      const digesting = new DigestingStream();
      const raw = decompress(a.stream, compression);
      raw.on('error', (err) => digesting.destroy(err));
      const { size } = await applyTar(dir, raw.pipe(digesting), snapshots.whiteoutMode);
      const got = digesting.digest();
      if (got !== a.diffId) throw invalidArgument(`layer ${a.chainId}: uncompressed digest ${got} does not match diff ID ${a.diffId}`);
      return size;
    });
  };

  return {
    async hasSnapshot(chainId) {
      return (await snapshots.stat(chainId)) !== undefined;
    },
    applyLayer(a: ApplyLayerRequest) {
      // The stream may fail before it is consumed (while waiting for a parent): apply reports it, not the process.
      a.stream.on('error', () => {});
      const p = apply(a).catch((err: unknown) => {
        a.stream.destroy();
        throw err;
      });
      applying.set(a.chainId, p);
      const forget = () => {
        if (applying.get(a.chainId) === p) applying.delete(a.chainId);
      };
      p.then(forget, forget);
      return p;
    },
  };
}
