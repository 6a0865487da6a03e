// Relays a hijacked connection to an engine IOSession (attach, exec start):
// output framed with stdcopy unless a tty's, the client's bytes to stdin, its
// half-close to closeStdin, its disconnect to close (detach).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IOSession } from '../../engine/api.js';
import type { RouteContext } from './route.js';
import { stdcopyFrame } from './stdcopy.js';
import { clientGone } from './context.js';

export function relaySession(ctx: RouteContext, session: IOSession, opts: { tty: boolean; stdin: boolean }): void {
  const conn = ctx.hijack(!opts.tty);
  session.onOutput((stream, data) => {
    if (!conn.writableEnded && !conn.destroyed) conn.write(opts.tty ? data : stdcopyFrame(stream, data));
  });
  if (opts.stdin) {
    conn.on('data', (data: Buffer) => session.writeStdin(data));
    conn.on('end', () => session.closeStdin());
  }
  // Flowing even without stdin: a client's end of input and its disconnect must still be seen.
  conn.resume();
  let ended = false;
  conn.on('error', () => conn.destroy());
  conn.on('close', () => {
    if (!ended) session.close();
  });
  void session.ended.then(
    () => {
      ended = true;
      conn.end();
    },
    () => {
      ended = true;
      conn.destroy();
    },
  );
}

/** Streams a Readable as the response body (tar archives, exports); the client leaving ends the source. */
export async function sendReadable(res: ServerResponse, body: Readable, headers: Record<string, string>): Promise<void> {
  res.writeHead(200, headers);
  const gone = clientGone(res);
  gone.addEventListener('abort', () => body.destroy(), { once: true });
  try {
    await pipeline(body, res);
  } catch (err) {
    if (!gone.aborted) throw err;
  }
}
