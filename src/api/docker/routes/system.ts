// /_ping, /version and /info. The ping answers without the engine, as
// dockerd's does: clients ping first to negotiate the version.
import type { ServerResponse } from 'node:http';
import type { Route } from '../route.js';

function pingHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Builder-Version', '1');
  res.setHeader('Swarm', 'inactive');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
}

export const systemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_ping',
    async handler({ res }) {
      pingHeaders(res);
      res.setHeader('Content-Length', 2);
      res.end('OK');
    },
  },
  {
    method: 'HEAD',
    path: '/_ping',
    async handler({ res }) {
      pingHeaders(res);
      res.setHeader('Content-Length', 0);
      res.end();
    },
  },
  {
    method: 'GET',
    path: '/version',
    async handler(ctx) {
      ctx.send(await ctx.engine.system.version());
    },
  },
  {
    method: 'GET',
    path: '/info',
    async handler(ctx) {
      ctx.send(await ctx.engine.system.info());
    },
  },
];
