// Docker's JSONMessage progress responses (pull, push, import, load). Like
// dockerd, the 200 and its headers go out with the first message: an error
// before that is a normal error status, an error after it is a last
// {"errorDetail":...,"error":...} line in the stream.
import type { JSONMessage } from '../../../engine/api.js';
import { clientGone } from '../context.js';
import type { RouteContext } from '../route.js';

export interface ProgressStream {
  write(m: JSONMessage): void;
  /** Fires when the client goes away, before or after the stream started. */
  readonly signal: AbortSignal;
}

/**
 * Runs op with a lazily started stream; ends the stream with op's error line
 * when op fails after the first message, rethrows (for the status) when before.
 */
export async function withProgressStream(ctx: RouteContext, op: (out: ProgressStream) => Promise<void>): Promise<void> {
  const signal = clientGone(ctx.res);
  let stream: ReturnType<RouteContext['stream']> | undefined;
  // An error line the operation reported itself is held back: it must not
  // start the stream (that would turn a 404 into a 200), nor appear twice.
  let reportedError: JSONMessage | undefined;
  const out: ProgressStream = {
    write(m) {
      if (signal.aborted) return;
      if (m.error !== undefined || m.errorDetail !== undefined) {
        reportedError = m;
        return;
      }
      stream ??= ctx.stream('application/json');
      stream.write(m);
    },
    signal,
  };
  let failure: JSONMessage | undefined;
  try {
    await op(out);
    failure = reportedError;
  } catch (err) {
    if (!stream) throw err;
    failure = reportedError ?? errorMessage(err);
  }
  // A finished operation that said nothing still answers 200 with an empty stream.
  stream ??= ctx.stream('application/json');
  if (failure && !signal.aborted) stream.write(failure);
  stream.end();
}

function errorMessage(err: unknown): JSONMessage {
  const message = err instanceof Error ? err.message : String(err);
  return { errorDetail: { message }, error: message };
}
