// openLocalEngine: the Engine interface in-process (daemonless), over the
// engine core at <root> and <runroot>. The daemon serves this same object.
import type { Engine } from '../api.js';
import type { EngineOptions } from '../engine.js';
import { openEngineCore } from '../index.js';
import { localContainers } from './containers.js';
import { localExec } from './exec.js';
import { localImages } from './images.js';
import { localNetworks } from './networks.js';
import { localVolumes } from './volumes.js';
import { localSystem } from './system.js';

export async function openLocalEngine(opts: EngineOptions): Promise<Engine> {
  const core = await openEngineCore(opts);
  const containers = localContainers(core);
  return {
    location: { kind: 'local', root: opts.root, runroot: opts.runroot },
    containers,
    exec: localExec(core),
    images: localImages(core),
    networks: localNetworks(core),
    volumes: localVolumes(core),
    system: localSystem(core),
    close: async () => containers.close(),
  };
}
