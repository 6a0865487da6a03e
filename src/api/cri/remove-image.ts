// ImageService.RemoveImage: removes the image by name or ID with all its tags;
// an image that is gone is no error (the kubelet's image GC retries).
import { isNotFound } from '../../errdefs/index.js';
import { inspectImageIfExists } from './image-status.js';
import type { ImageSpec, Rpc } from './types.js';

export const removeImage: Rpc<{ image: ImageSpec | null }, Record<string, never>> = async (ctx, req) => {
  const name = req.image?.image;
  const img = name ? await inspectImageIfExists(ctx, name) : undefined;
  if (!img) return {};
  // By ID with force: every tag goes, as the CRI removes the image, not one name of it.
  await ctx.engine.images.remove(img.Id, { force: true }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  return {};
};
