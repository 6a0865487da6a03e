// Picks the snapshotter: overlayfs when the kernel can mount an overlay whose
// upper dir lives on the snapshot root's filesystem (not true on some overlay or
// network roots), else native copies. Tested once by a real mount; cached on disk.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mountAt, unmount } from './mount.js';
import { ensureStagingDir, stagingPrefix } from './staging-dir.js';
import type { SnapshotterName } from './snapshotter.js';

export async function detectSnapshotter(root: string): Promise<SnapshotterName> {
  const forced = process.env.GANTRY_SNAPSHOTTER;
  if (forced === 'overlayfs' || forced === 'native') return forced;
  const cache = join(root, 'snapshotter');
  try {
    const cached = (await readFile(cache, 'utf8')).trim();
    if (cached === 'overlayfs' || cached === 'native') return cached;
  } catch {
    // not tested yet
  }
  const dir = await mkdtemp(join(await ensureStagingDir(root), stagingPrefix('overlay-test')));
  let name: SnapshotterName = 'native';
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) await mkdir(join(dir, d));
    await mountAt(
      { type: 'overlay', source: 'overlay', options: ['lowerdir=lower', 'upperdir=upper', 'workdir=work'] },
      join(dir, 'merged'),
      dir,
    );
    name = 'overlayfs';
    await unmount(join(dir, 'merged'));
  } catch {
    // no overlay support here
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeFile(cache, name + '\n');
  return name;
}
