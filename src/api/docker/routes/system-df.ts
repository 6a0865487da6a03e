// GET /system/df: what the store's garbage collector sees, in dockerd's pre-1.52 shape.
import { invalidArgument } from '../../../errdefs/index.js';
import type { SystemAPI } from '../../../engine/api.js';
import type { Route } from '../route.js';
import { compareVersions } from '../api-version.js';

type DfType = NonNullable<NonNullable<Parameters<SystemAPI['df']>[0]>['type']>[number];
const DF_TYPES: readonly string[] = ['container', 'image', 'volume', 'build-cache'] satisfies DfType[];

export const systemDfRoutes: Route[] = [
  {
    method: 'GET',
    path: '/system/df',
    handler: async (ctx) => {
      const types = ctx.query.getAll('type');
      for (const t of types) if (!DF_TYPES.includes(t)) throw invalidArgument(`unknown object type: ${t}`);
      const df = await ctx.engine.system.df(types.length ? { type: types as DfType[] } : undefined);
      // VirtualSize (= Size) only for clients older than API 1.44, as in GET /images/json.
      const legacy = compareVersions(ctx.version, '1.44') < 0;
      ctx.send({
        ...df,
        Images: df.Images?.map(({ VirtualSize: _dropped, ...image }) => (legacy ? { ...image, VirtualSize: image.Size } : image)),
      });
    },
  },
];
