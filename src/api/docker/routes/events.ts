// The /events stream, /system/df, /auth and /build* routes (helper C2 fills them).
import type { Route } from '../route.js';

export const eventsRoutes: Route[] = [];
