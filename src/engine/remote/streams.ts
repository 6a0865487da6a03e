// Response bodies the remote engine reads as they arrive: newline-delimited
// JSON (progress, events, stats) and stdcopy frames (logs).
import type { IncomingMessage } from 'node:http';
import type { JSONMessage } from '../api-types.js';
import { GantryError, internal } from '../../errdefs/index.js';
import { StdcopyDecoder } from './stdcopy.js';

/** Splits chunks into lines; a line cut by a chunk boundary waits for the rest. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.filter((l) => l.trim() !== '');
  }
  flush(): string[] {
    const last = this.rest.trim();
    this.rest = '';
    return last ? [last] : [];
  }
}

/**
 * The JSON values of a newline-delimited body. Ends when the body does or when
 * the signal fires (the request is aborted, nothing lingers); an aborted
 * stream ends quietly.
 */
export async function* jsonLines<T>(res: IncomingMessage, signal?: AbortSignal): AsyncGenerator<T> {
  const lines = new LineSplitter();
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      for (const line of lines.push(chunk as string)) yield JSON.parse(line) as T;
    }
    for (const line of lines.flush()) yield JSON.parse(line) as T;
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}

/** A progress stream's messages to onProgress; an {"error"} line is thrown (after being reported). */
export async function consumeProgress(res: IncomingMessage, onProgress?: (m: JSONMessage) => void, signal?: AbortSignal): Promise<JSONMessage[]> {
  const all: JSONMessage[] = [];
  for await (const m of jsonLines<JSONMessage>(res, signal)) {
    all.push(m);
    onProgress?.(m);
    if (m.error || m.errorDetail) throw progressError(m);
  }
  return all;
}

function progressError(m: JSONMessage): GantryError {
  const message = m.errorDetail?.message ?? m.error ?? 'unknown error';
  // docker's JSONError code is an HTTP-ish status when the daemon sets one.
  const code = m.errorDetail?.code;
  if (code === 401) return new GantryError('unauthorized', message);
  if (code === 404) return new GantryError('not-found', message);
  return internal(message);
}

/** A logs body: stdcopy frames, or raw bytes (all stdout) when the container has a tty. */
export async function* logFrames(res: IncomingMessage, tty: boolean, signal?: AbortSignal): AsyncGenerator<{ stream: 1 | 2; data: Buffer }> {
  const frames: { stream: 1 | 2; data: Buffer }[] = [];
  const decoder = new StdcopyDecoder((stream, data) => frames.push({ stream, data }));
  try {
    for await (const chunk of res) {
      if (tty) {
        yield { stream: 1, data: chunk as Buffer };
        continue;
      }
      decoder.push(chunk as Buffer);
      yield* frames.splice(0);
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}
