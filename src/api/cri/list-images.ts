// ImageService.ListImages: every image, or the one the filter names.
import { criImage, inspectImageIfExists } from './image-status.js';
import type { ImageSpec, Rpc } from './types.js';

export const listImages: Rpc<{ filter: { image: ImageSpec | null } | null }, { images: object[] }> = async (ctx, req) => {
  const wanted = req.filter?.image?.image;
  if (wanted) {
    const img = await inspectImageIfExists(ctx, wanted);
    return { images: img ? [criImage(img)] : [] };
  }
  const list = await ctx.engine.images.list();
  // The user (uid or name) is the image config's, which only inspect has.
  const images = await Promise.all(list.map(async (s) => criImage((await inspectImageIfExists(ctx, s.Id)) ?? s)));
  return { images };
};
