// openRemoteEngine: the Engine interface as a client of a Docker Engine API
// daemon (gantry system service, dockerd or podman's compat service) at a
// DOCKER_HOST address: unix:///path, tcp://host:port or http://host:port.
import type { Engine } from '../api.js';
import { Transport } from './transport.js';
import { remoteContainers } from './containers.js';
import { remoteExec } from './exec.js';
import { remoteImages } from './images.js';
import { remoteNetworks } from './networks.js';
import { remoteVolumes } from './volumes.js';
import { remoteSystem } from './system.js';

export function openRemoteEngine(host: string): Engine {
  const transport = new Transport(host);
  const images = remoteImages(transport);
  return {
    location: { kind: 'remote', host },
    containers: remoteContainers(transport, images),
    exec: remoteExec(transport),
    images,
    networks: remoteNetworks(transport),
    volumes: remoteVolumes(transport),
    system: remoteSystem(transport),
    close: async () => transport.close(),
  };
}
