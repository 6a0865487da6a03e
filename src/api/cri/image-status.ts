// ImageService.ImageStatus: the image, or no image (not an error) when it is absent.
import type { ImageInspect } from '../../engine/api-types.js';
import { isNotFound } from '../../errdefs/index.js';
import type { CriContext, ImageSpec, Rpc } from './types.js';
import { parseReference } from '../../oci/reference.js';

/** docker.io/library/busybox:latest for busybox:latest, as containerd and CRI-O name images. */
export function qualifiedName(name: string): string {
  if (name.startsWith('sha256:')) return name; // an image ID
  try {
    return parseReference(name, { defaultTag: false }).toString();
  } catch {
    return name;
  }
}

/** The CRI's Image of an engine image: a numeric Config.User is the uid, else the username. */
export function criImage(img: Pick<ImageInspect, 'Id' | 'RepoTags' | 'RepoDigests' | 'Size'> & { Config?: { User?: string } }, spec?: ImageSpec) {
  const user = (img.Config?.User ?? '').split(':')[0] ?? '';
  const numeric = /^\d+$/.test(user);
  return {
    id: img.Id,
    repo_tags: (img.RepoTags ?? []).map(qualifiedName),
    repo_digests: (img.RepoDigests ?? []).map(qualifiedName),
    size: String(img.Size),
    uid: numeric ? { value: user } : null,
    username: numeric ? '' : user,
    spec: spec ?? { image: img.Id, annotations: {} },
    pinned: false,
  };
}

export async function inspectImageIfExists(ctx: CriContext, name: string): Promise<ImageInspect | undefined> {
  return ctx.engine.images.inspect(name).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
}

export const imageStatus: Rpc<{ image: ImageSpec | null; verbose: boolean }, object> = async (ctx, req) => {
  const img = req.image?.image ? await inspectImageIfExists(ctx, req.image.image) : undefined;
  if (!img) return { image: null, info: {} };
  return { image: criImage(img, req.image ?? undefined), info: req.verbose ? { info: JSON.stringify({ config: img.Config, rootfs: img.RootFS }) } : {} };
};
