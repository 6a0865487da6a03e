// What the engine needs from the image layer and the runtime, and how it loads
// them. The image service and runtime library are written concurrently by
// other parts of Gantry; until they exist on disk the engine falls back to the
// temporary adapters in fallback/ (runc and plain rootfs directories).
import type { Runtime } from '../runtime/api.js';
import type { ImageConfig } from '../oci/image-spec.js';
import type { Readable } from 'node:stream';

export interface EngineImageRecord {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  config: ImageConfig;
  size: number;
}

/** The subset of src/images/service.ts's ImageService the engine calls. */
export interface EngineImages {
  resolve(refOrId: string): Promise<EngineImageRecord>;
  pull(ref: string, opts?: { platform?: string; onProgress?: (p: unknown) => void }): Promise<unknown>;
  prepareRootfs(imageId: string | undefined, key: string): Promise<unknown>;
  mountRootfs(key: string, target: string): Promise<void>;
  unmountRootfs(target: string): Promise<void>;
  removeRootfs(key: string): Promise<void>;
  rootfsChanges?(key: string): Promise<{ path: string; kind: number | string }[]>;
  exportRootfs?(key: string): Promise<Readable>;
}

async function optionalImport<T>(relative: string): Promise<T | undefined> {
  const url = new URL(relative, import.meta.url).href;
  try {
    return (await import(url)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(relative.split('/').pop()!)) return undefined;
    throw err;
  }
}

/** GANTRY_ENGINE_FALLBACK=1 forces the temporary adapters (engine tests while the others settle). */
const forceFallback = () => process.env.GANTRY_ENGINE_FALLBACK === '1';

export async function loadImages(root: string, runroot: string): Promise<EngineImages> {
  const mod = forceFallback() ? undefined : await optionalImport<{ openImageService(o: { root: string; runroot: string }): Promise<EngineImages> }>('../images/service.js');
  if (mod) return mod.openImageService({ root, runroot });
  const { openDirImages } = await import('./fallback/dir-images.js');
  return openDirImages(root);
}

export async function loadRuntime(root: string): Promise<Runtime> {
  if (!forceFallback()) {
    const mod = await optionalImport<{ openRuntime(o: { root: string }): Runtime }>('../runtime/index.js');
    if (mod) return mod.openRuntime({ root });
  }
  const { openRuncRuntime } = await import('./fallback/runc-runtime.js');
  return openRuncRuntime(root);
}
