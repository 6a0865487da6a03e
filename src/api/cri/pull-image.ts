// ImageService.PullImage: pulls with the kubelet's credentials and returns the
// image's ID as the image_ref (as containerd does).
import type { AuthConfig as EngineAuthConfig } from '../../engine/api-types.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { AuthConfig, ImageSpec, Rpc } from './types.js';

function engineAuth(a: AuthConfig | null): EngineAuthConfig | undefined {
  if (!a) return undefined;
  const auth: EngineAuthConfig = {};
  if (a.username) auth.username = a.username;
  if (a.password) auth.password = a.password;
  if (a.auth) auth.auth = a.auth;
  if (a.server_address) auth.serveraddress = a.server_address;
  if (a.identity_token) auth.identitytoken = a.identity_token;
  if (a.registry_token) auth.registrytoken = a.registry_token;
  return Object.keys(auth).length ? auth : undefined;
}

export const pullImage: Rpc<{ image: ImageSpec | null; auth: AuthConfig | null }, { image_ref: string }> = async (ctx, req) => {
  const name = req.image?.image;
  if (!name) throw invalidArgument('image must not be empty');
  const auth = engineAuth(req.auth);
  await ctx.engine.images.pull({ fromImage: name, ...(auth ? { auth } : {}) });
  const img = await ctx.engine.images.inspect(name);
  return { image_ref: img.Id };
};
