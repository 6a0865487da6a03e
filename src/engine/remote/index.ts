// openRemoteEngine: the Engine interface as a client of a Docker Engine API
// daemon (gantry system service, or dockerd) at a unix:// or tcp:// address.
import type { Engine } from '../api.js';
import { unimplemented } from '../local/unimplemented.js';

export function openRemoteEngine(host: string): Engine {
  return {
    location: { kind: 'remote', host },
    containers: unimplemented('containers'),
    exec: unimplemented('exec'),
    images: unimplemented('images'),
    networks: unimplemented('networks'),
    volumes: unimplemented('volumes'),
    system: unimplemented('system'),
    close: async () => undefined,
  };
}
