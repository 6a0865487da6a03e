// POST /auth: docker login's credential check against a registry.
import type { AuthConfig } from '../../../engine/api.js';
import type { Route } from '../route.js';

export const authRoutes: Route[] = [
  {
    method: 'POST',
    path: '/auth',
    handler: async (ctx) => {
      const result = await ctx.engine.system.auth(await ctx.json<AuthConfig>());
      ctx.send({ Status: result.Status, IdentityToken: result.IdentityToken ?? '' });
    },
  },
];
