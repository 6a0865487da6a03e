// POST /build (not yet: the builder is issue 11) and POST /build/prune.
import { notImplemented } from '../../../errdefs/index.js';
import type { Route } from '../route.js';
import { discardBody } from './tar-response.js';

export const buildRoutes: Route[] = [
  {
    method: 'POST',
    path: '/build',
    handler: async (ctx) => {
      await discardBody(ctx);
      throw notImplemented('builds are not supported yet');
    },
  },
  {
    method: 'POST',
    path: '/build/prune',
    minVersion: '1.31',
    handler: async (ctx) => {
      const report = await ctx.engine.system.buildPrune({
        all: ctx.bool('all'),
        filters: ctx.filters(),
        // reserved-space replaced keep-storage in API 1.48; clients may send either.
        keepStorage: ctx.int('reserved-space') ?? ctx.int('keep-storage'),
      });
      ctx.send({ CachesDeleted: report.CachesDeleted ?? [], SpaceReclaimed: report.SpaceReclaimed });
    },
  },
];
