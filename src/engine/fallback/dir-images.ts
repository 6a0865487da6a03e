// TEMPORARY adapter used until src/images/service.ts lands: an "image" is a
// directory <root>/fallback-images/<name>/ with config.json (an OCI image
// config) and rootfs/; containers get an overlay on top of it.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { notFound } from '../../errdefs/index.js';
import type { EngineImages, EngineImageRecord } from '../backends.js';
import type { ImageConfig } from '../../oci/image-spec.js';

const run = promisify(execFile);

export function openDirImages(root: string): EngineImages {
  const imagesDir = join(root, 'fallback-images');
  const layersDir = join(root, 'fallback-rootfs');
  const nameOf = (ref: string) => ref.replace(/^docker\.io\/(library\/)?/, '').replace(/:latest$/, '').replace(/[/:]/g, '_');
  const lowerOf = new Map<string, string>();
  return {
    async resolve(ref) {
      const name = ref.startsWith('sha256:') ? ref.slice(7) : nameOf(ref);
      const dir = join(imagesDir, name);
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8').catch(() => {
        throw notFound(`No such image: ${ref}`);
      })) as ImageConfig;
      const rec: EngineImageRecord = { id: `sha256:${name}`, repoTags: [`${name}:latest`], repoDigests: [], config, size: 0 };
      lowerOf.set(rec.id, join(dir, 'rootfs'));
      return rec;
    },
    async pull(ref) {
      throw notFound(`pull access denied for ${ref}: no registry in the fallback image store`);
    },
    async prepareRootfs(imageId, key) {
      const dir = join(layersDir, key);
      await mkdir(join(dir, 'upper'), { recursive: true });
      await mkdir(join(dir, 'work'), { recursive: true });
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'lower'), join(imagesDir, (imageId ?? '').replace(/^sha256:/, ''), 'rootfs'));
      return { mounts: [] };
    },
    async mountRootfs(key, target) {
      const dir = join(layersDir, key);
      const lower = (await readFile(join(dir, 'lower'), 'utf8')).trim();
      await mkdir(target, { recursive: true });
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, target]);
    },
    async unmountRootfs(target) {
      await run('umount', [target]).catch((err: Error) => {
        if (!/not mounted|no mount point|not found/.test(String((err as { stderr?: string }).stderr ?? err.message))) throw err;
      });
    },
    async removeRootfs(key) {
      await rm(join(layersDir, key), { recursive: true, force: true });
    },
  };
}
