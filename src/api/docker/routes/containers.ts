// The /containers routes.
import type { Route } from '../route.js';

export const containerRoutes: Route[] = [];
