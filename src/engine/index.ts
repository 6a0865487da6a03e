// openEngineCore: the in-process (daemonless) engine over <root> and <runroot>.
import { join } from 'node:path';
import { boundingCapabilities } from '../runtime/capabilities.js';
import { loadImages, loadRuntime } from './backends.js';
import { Containers } from './containers.js';
import { EngineNetworking } from './networking.js';
import { ContainerStore } from './store.js';
import { VolumeStore } from './volumes.js';
import { EngineEvents } from './events.js';
import { ensurePrivateDir } from '../sys/private-dir.js';
import { EngineRuntimes } from './runtimes/index.js';
import type { EngineCore, EngineOptions } from './engine.js';

export type { EngineCore, EngineOptions } from './engine.js';

export async function openEngineCore(opts: EngineOptions): Promise<EngineCore> {
  // before anything below is created or read: a caller who may not use the store gets one clear error
  ensurePrivateDir(opts.root);
  ensurePrivateDir(opts.runroot);
  const [images, runtime] = await Promise.all([loadImages(opts.root, opts.runroot, opts.registryConfigDir), loadRuntime(join(opts.runroot, 'runtime'))]);
  const store = new ContainerStore(opts.root, opts.runroot);
  const volumes = new VolumeStore(opts.root);
  const networking = new EngineNetworking(opts.root, opts.runroot);
  const events = new EngineEvents(opts.root);
  const runtimes = new EngineRuntimes(opts.runroot, runtime, opts.runtimes);
  const containers = new Containers(store, volumes, images, runtimes, boundingCapabilities(), networking, events);
  return { root: opts.root, runroot: opts.runroot, images, runtime, runtimes, containers, store, volumes, networking, events };
}
