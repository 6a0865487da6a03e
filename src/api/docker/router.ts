// Matches a request's method and path to a Route. Paths may carry dockerd's
// /vX.Y prefix; `{id}` matches one segment, `{name*}` one or more (image names
// have slashes). Literal routes win over parameter routes (GET /images/json is
// the list, not an image called "json"), and among rest-of-path routes the one
// with the longer literal tail wins (/images/{name*}/json before /images/{name*}).
import type { Route } from './route.js';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  /** The /vX.Y prefix's version, undefined when the path has none. */
  version: string | undefined;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
  rank: number;
}

const VERSION_PREFIX = /^\/v([0-9][0-9.]*)(?=\/)/;

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  let rest = false;
  let params = 0;
  const source = route.path.replace(/\{(\w+)(\*?)\}|[^{]+/g, (part, name: string | undefined, star: string | undefined) => {
    if (name === undefined) return part.replace(/[.+?^$()[\]\\|]/g, '\\$&');
    names.push(name);
    params++;
    if (star) rest = true;
    return star ? '(.+)' : '([^/]+)';
  });
  // Lower rank is tried first: literal, then one-segment params, then rest-of-path by literal tail length.
  const tail = rest ? route.path.slice(route.path.lastIndexOf('}') + 1).length : 0;
  const rank = params === 0 ? 0 : rest ? 2_000 - tail : 1 + params;
  return { route, pattern: new RegExp(`^${source}$`), names, rank };
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map(compile).sort((a, b) => a.rank - b.rank);
  }

  /** The route for method and path (without the query), or undefined: dockerd's 404 "page not found". */
  match(method: string, path: string): RouteMatch | undefined {
    const prefix = VERSION_PREFIX.exec(path);
    const version = prefix?.[1];
    const bare = prefix ? path.slice(prefix[0].length) : path;
    for (const c of this.routes) {
      if (c.route.method !== method) continue;
      const m = c.pattern.exec(bare);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        params[name] = decodeSegment(m[i + 1]!);
      });
      return { route: c.route, params, version };
    }
    return undefined;
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
