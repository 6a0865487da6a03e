// Every resource's routes, registered with the server in one list.
import type { Route } from '../route.js';
import { containerRoutes } from './containers.js';
import { execRoutes } from './exec.js';
import { imageRoutes } from './images.js';
import { networkRoutes } from './networks.js';
import { volumeRoutes } from './volumes.js';
import { eventsRoutes } from './events.js';
import { systemRoutes } from './system.js';

export const allRoutes: readonly Route[] = [
  ...systemRoutes,
  ...containerRoutes,
  ...execRoutes,
  ...imageRoutes,
  ...networkRoutes,
  ...volumeRoutes,
  ...eventsRoutes,
];
