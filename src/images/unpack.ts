// LayerUnpacker: one stream per layer (decompress → hash → apply) into a snapshot
// keyed by chain ID. Layers of one image may arrive concurrently: overlay diffs are
// independent; the native snapshotter copies its parent, so it waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidArgument, notFound } from '../errdefs/index.js';
import type { Digest } from '../oci/digest.js';
import { applyTar } from './archive/apply.js';
import { compressionOfMediaType, decompress } from './archive/compression.js';
import { DigestingStream } from './archive/digesting.js';
import type { Snapshotter } from './snapshots/snapshotter.js';
import type { ApplyLayerRequest, LayerUnpacker } from './unpack-api.js';

const PARENT_WAIT_MS = 10 * 60_000;

async function waitForParent(snapshots: Snapshotter, parent: Digest): Promise<void> {
  const deadline = Date.now() + PARENT_WAIT_MS;
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const pending = snapshots.pending(parent);
    if (pending) {
      await pending;
      return;
    }
    if (await snapshots.stat(parent)) return;
    if (Date.now() > deadline) throw notFound(`parent snapshot ${parent} does not exist`);
    await sleep(delay);
  }
}

export function createLayerUnpacker(snapshots: Snapshotter): LayerUnpacker {
  return {
    async hasSnapshot(chainId) {
      return (await snapshots.stat(chainId)) !== undefined;
    },
    async applyLayer(a: ApplyLayerRequest) {
      const compression = compressionOfMediaType(a.mediaType);
      if (await snapshots.stat(a.chainId)) {
        a.stream.destroy();
        return;
      }
      if (a.parentChainId !== undefined && snapshots.name === 'native') await waitForParent(snapshots, a.parentChainId);
      await snapshots.commit(a.chainId, a.parentChainId, async (dir) => {
        const digesting = new DigestingStream();
        const raw = decompress(a.stream, compression);
        raw.on('error', (err) => digesting.destroy(err));
        const { size } = await applyTar(dir, raw.pipe(digesting), snapshots.whiteoutMode);
        const got = digesting.digest();
        if (got !== a.diffId) throw invalidArgument(`layer ${a.chainId}: uncompressed digest ${got} does not match diff ID ${a.diffId}`);
        return size;
      });
    },
  };
}
