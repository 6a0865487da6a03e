// Binary responses (docker save's tar). The engine opens the tar first, so a
// missing image is still a normal 404; a failure mid-body can only cut the
// connection, which clients report as an unexpected EOF, as with dockerd.
import { finished, pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { RouteContext } from '../route.js';

export async function sendTar(ctx: RouteContext, tar: Readable): Promise<void> {
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(tar, ctx.res);
  } catch (err) {
    ctx.res.destroy(err instanceof Error ? err : undefined);
  }
}

/**
 * Reads and drops a request body, so that a refusal (POST /build?remote=) reaches a
 * client that is still uploading instead of breaking its pipe.
 */
export async function discardBody(ctx: RouteContext): Promise<void> {
  ctx.req.resume();
  await finished(ctx.req);
}
