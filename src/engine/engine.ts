// The engine as the CLI sees it. openEngine() (index.ts) implements it
// in-process over the on-disk state; a daemon client can implement it later.
import type { Containers } from './containers.js';
import type { EngineNetworking } from './networking.js';
import type { EngineImages } from './backends.js';
import type { ContainerStore } from './store.js';
import type { VolumeStore } from './volumes.js';
import type { Runtime } from '../runtime/api.js';

export interface Engine {
  readonly root: string;
  readonly runroot: string;
  readonly images: EngineImages;
  readonly runtime: Runtime;
  readonly containers: Containers;
  readonly store: ContainerStore;
  readonly volumes: VolumeStore;
  /** Networking for containers; the network service itself loads on first use. */
  readonly networking: EngineNetworking;
}

export interface EngineOptions {
  root: string;
  runroot: string;
}
