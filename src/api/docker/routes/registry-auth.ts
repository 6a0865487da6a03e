// X-Registry-Auth: base64url JSON of an AuthConfig. dockerd ignores a header it
// cannot decode (the docker CLI sends "e30=" = "{}" for anonymous pulls), so do we.
import type { IncomingMessage } from 'node:http';
import type { AuthConfig } from '../../../engine/api.js';

export function registryAuth(req: IncomingMessage): AuthConfig | undefined {
  const header = req.headers['x-registry-auth'];
  if (typeof header !== 'string' || header === '') return undefined;
  try {
    // Node's base64 decoder takes both the url-safe and the standard alphabet, padded or not.
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const auth = value as AuthConfig;
    return Object.values(auth).some((v) => typeof v === 'string' && v !== '') ? auth : undefined;
  } catch {
    return undefined;
  }
}
