// Docker Engine API network routes.
import { notFound } from '../../../errdefs/index.js';
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest } from '../../../engine/api.js';
import type { Route } from '../route.js';
import { compareVersions } from '../api-version.js';

export const networkRoutes: Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async (ctx) => {
      const networks = await ctx.engine.networks.list(ctx.filters());
      // Since API 1.28 the list leaves out the attached containers (inspect has them), as dockerd does.
      ctx.send(compareVersions(ctx.version, '1.28') < 0 ? networks : networks.map((n) => ({ ...n, Containers: {} })));
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async (ctx) => ctx.send(await ctx.engine.networks.create(await ctx.json<NetworkCreateRequest>()), 201),
  },
  { method: 'POST', path: '/networks/prune', handler: async (ctx) => ctx.send(await ctx.engine.networks.prune(ctx.filters())) },
  {
    method: 'GET',
    path: '/networks/{id}',
    handler: async (ctx) => {
      const id = ctx.params.id ?? '';
      // Every Gantry network is local: asked for another scope, dockerd finds none.
      const scope = ctx.query.get('scope');
      if (scope && scope !== 'local') throw notFound(`network ${id} not found`);
      ctx.send(await ctx.engine.networks.inspect(id, { verbose: ctx.bool('verbose') }));
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    handler: async (ctx) => {
      await ctx.engine.networks.remove(ctx.params.id ?? '');
      ctx.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    handler: async (ctx) => {
      await ctx.engine.networks.connect(ctx.params.id ?? '', await ctx.json<NetworkConnectRequest>());
      ctx.empty(200);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    handler: async (ctx) => {
      await ctx.engine.networks.disconnect(ctx.params.id ?? '', await ctx.json<NetworkDisconnectRequest>());
      ctx.empty(200);
    },
  },
];
