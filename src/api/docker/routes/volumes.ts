// The /volumes routes (helper C2 fills them).
import type { Route } from '../route.js';

export const volumeRoutes: Route[] = [];
