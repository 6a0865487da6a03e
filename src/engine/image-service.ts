// The full image service behind the engine's narrow EngineImages view: diff,
// commit, export, df and prune need snapshot and GC operations the fallback
// adapter does not have.
import { failedPrecondition } from '../errdefs/index.js';
import type { ImageService } from '../images/service.js';
import type { EngineImages } from './backends.js';

export function requireImageService(images: EngineImages, what: string): ImageService {
  const svc = images as Partial<ImageService>;
  if (typeof svc.commitRootfs !== 'function' || typeof svc.gc !== 'function') throw failedPrecondition(`${what} needs the image service (src/images); the fallback image adapter is in use`);
  return svc as ImageService;
}
