// Registry error responses ({"errors":[{code,message,detail}]}) turned into
// GantryErrors whose text reads like docker's ("manifest unknown: manifest unknown").
import type { IncomingMessage } from 'node:http';
import { GantryError, type ErrorCode } from '../../errdefs/index.js';

export interface RegistryErrorDetail {
  code: string;
  message: string;
}

export async function readBody(res: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    const chunk = c as Buffer;
    n += chunk.length;
    if (n > limit) {
      res.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseRegistryErrors(body: Buffer): RegistryErrorDetail[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    return (parsed.errors ?? []).map((e) => ({
      code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
      message: typeof e.message === 'string' ? e.message : '',
    }));
  } catch {
    return [];
  }
}

function codeForStatus(status: number, details: RegistryErrorDetail[]): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'permission-denied';
  if (status === 404 || details.some((d) => /_UNKNOWN$/.test(d.code))) return 'not-found';
  if (status === 429 || status >= 500) return 'unavailable';
  if (status === 400 || status === 405 || status === 413 || status === 416) return 'invalid-argument';
  return 'internal';
}

export class RegistryError extends GantryError {
  constructor(
    readonly status: number,
    readonly details: RegistryErrorDetail[],
    message: string,
  ) {
    super(codeForStatus(status, details), message);
  }
}

/** "manifest unknown: manifest unknown" style text of a failed response. */
export function describeErrors(status: number, details: RegistryErrorDetail[]): string {
  if (details.length === 0) return status === 401 ? 'unauthorized: authentication required' : `unexpected status ${status}`;
  return details
    .map((d) => {
      const code = d.code.toLowerCase().replace(/_/g, ' ');
      return d.message ? `${code}: ${d.message}` : code;
    })
    .join('; ');
}

export async function errorFromResponse(res: IncomingMessage, what: string): Promise<RegistryError> {
  const status = res.statusCode ?? 0;
  const details = parseRegistryErrors(await readBody(res).catch(() => Buffer.alloc(0)));
  return new RegistryError(status, details, `${what}: ${describeErrors(status, details)}`);
}
