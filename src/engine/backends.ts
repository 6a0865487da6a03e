// What the engine needs from the image layer and the runtime, and how it loads
// them (dynamic imports: a command that never touches images or containers
// does not pay for loading them).
import type { Runtime } from '../runtime/api.js';
import type { ImageConfig } from '../oci/image-spec.js';
import type { ProgressEvent } from '../images/progress.js';

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
  /** Progress events are docker's JSONMessages without the bar text (images/progress.ts's withBar adds it). */
  pull(ref: string, opts?: { platform?: string; onProgress?: (e: ProgressEvent) => void }): Promise<unknown>;
  prepareRootfs(imageId: string | undefined, key: string): Promise<unknown>;
  mountRootfs(key: string, target: string): Promise<void>;
  unmountRootfs(target: string): Promise<void>;
  removeRootfs(key: string): Promise<void>;
}

export async function loadImages(root: string, runroot: string, registryConfigDir?: string): Promise<EngineImages> {
  const { openImageService } = await import('../images/service.js');
  return openImageService({ root, runroot, ...(registryConfigDir ? { registryConfig: { hostsDir: registryConfigDir } } : {}) });
}

export async function loadRuntime(root: string): Promise<Runtime> {
  const { openRuntime } = await import('../runtime/index.js');
  return openRuntime({ root });
}
