// A placeholder for a part of the Engine interface not implemented yet: every
// method throws not-implemented naming itself.
import { notImplemented } from '../../errdefs/index.js';

export function unimplemented<T extends object>(part: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => (typeof prop === 'string' && prop !== 'then' ? () => Promise.reject(notImplemented(`${part}.${prop} is not implemented`)) : undefined),
  });
}
