// GET /events: past events in [since, until], then live ones, as newline JSON
// in dockerd's shape (with the deprecated status/id/from fields dockerd still
// fills for container and image events).
import { invalidArgument } from '../../../errdefs/index.js';
import type { EngineEvent } from '../../../engine/events.js';
import type { Filters } from '../../../engine/api.js';
import type { Route, RouteContext } from '../route.js';
import { authRoutes } from './auth.js';
import { buildRoutes } from './build.js';
import { systemDfRoutes } from './system-df.js';

const EVENT_FILTERS = new Set(['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume']);

/** Unix seconds, fractional as the docker CLI sends them ("1700000000.000000001"), or a date (RFC 3339). */
export function parseEventTime(name: string, value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const seconds = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(value)}`);
  return seconds;
}

function checkFilters(filters: Filters): void {
  // Checked before the 200 goes out: a bad filter is a 400, as in dockerd.
  for (const key of Object.keys(filters)) if (!EVENT_FILTERS.has(key)) throw invalidArgument(`invalid filter '${key}'`);
}

/** The deprecated top-level fields first, in dockerd's field order. */
export function dockerEventMessage(ev: EngineEvent): Record<string, unknown> {
  switch (ev.Type) {
    case 'container':
      return { status: ev.Action, id: ev.Actor.ID, from: ev.Actor.Attributes.image, ...ev };
    case 'image':
      return { status: ev.Action, id: ev.Actor.ID, ...ev };
    default:
      return { ...ev };
  }
}

async function streamEvents(ctx: RouteContext): Promise<void> {
  const since = parseEventTime('since', ctx.query.get('since'));
  const until = parseEventTime('until', ctx.query.get('until'));
  if (since !== undefined && until !== undefined && since > until) {
    throw invalidArgument(`\`since\` time (${ctx.query.get('since')}) cannot be after \`until\` time (${ctx.query.get('until')})`);
  }
  const filters = ctx.filters();
  checkFilters(filters);
  // Headers go out now: clients (docker events, compose) wait for them to know the subscription is live.
  const out = ctx.stream('application/json');
  // A failure mid-stream propagates without a clean end: the server cuts the connection, so the client sees an error.
  for await (const ev of ctx.engine.system.events({ since, until, filters, signal: out.closed })) out.write(dockerEventMessage(ev));
  out.end();
}

/** /events, and the server's other system routes beyond ping/version/info (each in its own file). */
export const eventsRoutes: Route[] = [{ method: 'GET', path: '/events', handler: streamEvents }, ...systemDfRoutes, ...authRoutes, ...buildRoutes];
