// What the image tests share: the image layer's stores opened on a test root, and
// bin/gantry run without blocking the event loop (a test's proxy may be serving it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openContentStore } from '../../../src/images/content/index.js';
import { Snapshotter, type SnapshotterName } from '../../../src/images/snapshots/snapshotter.js';
import { ImageStore } from '../../../src/images/store/image-store.js';
import { createLayerUnpacker } from '../../../src/images/unpack.js';
import { repoRoot } from '../../fixtures/image-builder.js';

export async function openStores(root: string, snapshotter: SnapshotterName = 'native') {
  const content = openContentStore(join(root, 'content'));
  const snapshots = new Snapshotter(join(root, 'snapshots'), snapshotter);
  await snapshots.init();
  const images = new ImageStore(join(root, 'images'));
  await images.init();
  return { content, snapshots, images, unpacker: createLayerUnpacker(snapshots) };
}

export function runGantry(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot(), 'bin/gantry'), args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
