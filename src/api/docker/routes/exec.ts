// The exec routes: create, start (hijacked), resize, inspect.
import type { Route } from '../route.js';

export const execRoutes: Route[] = [];
