// What a Docker Engine API route is and what its handler gets. server.ts
// matches requests to routes (paths with or without the /vX.Y prefix),
// checks the version, and maps a thrown GantryError to dockerd's status and
// {"message": ...} body; handlers only translate HTTP to the Engine interface.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../engine/api.js';

export interface RouteContext {
  readonly engine: Engine;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path parameters by name: `/containers/{id}/json` gives params.id. */
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The request's API version ("1.47"), the default when the path has none. */
  readonly version: string;
  /** The parsed JSON body ({} when empty); a malformed body is a 400. */
  json<T = unknown>(): Promise<T>;
  /** Query helpers with docker's parsing: "1"/"true"/"True" are true. */
  bool(name: string, dflt?: boolean): boolean;
  int(name: string): number | undefined;
  /** docker's filters query parameter (JSON, both the list and the legacy map form). */
  filters(): Record<string, string[]>;
  /** Sends a JSON body with a status (default 200). */
  send(value: unknown, status?: number): void;
  /** Sends an empty response (204 by default; 304 for start/stop no-ops). */
  empty(status?: number): void;
  /** Starts a streamed response of newline-delimited JSON (progress, events, stats). */
  stream(contentType?: string): { write(value: unknown): void; end(): void; readonly closed: AbortSignal };
  /**
   * Takes over the connection for attach and exec start: answers 101 UPGRADED
   * when the client asked for Upgrade: tcp, else 200, with docker's raw or
   * multiplexed stream content type, and returns the raw socket.
   */
  hijack(multiplexed: boolean): Duplex;
}

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. "/containers/{id}/json"; {name*} matches the rest of the path (image names have slashes). */
  path: string;
  /** Lowest API version the route exists in (dockerd gates newer routes). */
  minVersion?: string;
  handler(ctx: RouteContext): Promise<void>;
}
