// Docker Engine API volume routes.
import { unavailable } from '../../../errdefs/index.js';
import type { VolumeCreateRequest } from '../../../engine/api.js';
import type { Route } from '../route.js';
import { compareVersions } from '../api-version.js';

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handler: async (ctx) => ctx.send(await ctx.engine.volumes.list(ctx.filters())) },
  {
    method: 'POST',
    path: '/volumes/create',
    handler: async (ctx) => ctx.send(await ctx.engine.volumes.create(await ctx.json<VolumeCreateRequest>()), 201),
  },
  {
    method: 'POST',
    path: '/volumes/prune',
    handler: async (ctx) => {
      const filters = ctx.filters();
      // API 1.42 made prune take anonymous volumes only; older clients still get every unused volume.
      if (compareVersions(ctx.version, '1.42') < 0) filters.all = ['true'];
      ctx.send(await ctx.engine.volumes.prune(filters));
    },
  },
  { method: 'GET', path: '/volumes/{name}', handler: async (ctx) => ctx.send(await ctx.engine.volumes.inspect(ctx.params.name ?? '')) },
  {
    method: 'PUT',
    path: '/volumes/{name}',
    minVersion: '1.42',
    // Updates exist only for swarm cluster volumes; dockerd without swarm answers this.
    handler: async () => {
      throw unavailable('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    },
  },
  {
    method: 'DELETE',
    path: '/volumes/{name}',
    handler: async (ctx) => {
      await ctx.engine.volumes.remove(ctx.params.name ?? '', { force: ctx.bool('force') });
      ctx.empty(204);
    },
  },
];
