// The in-process engine's parts over the on-disk state (openEngineCore() in
// index.ts). Front ends do not use these: they call the Engine interface of
// api.ts, which engine/local implements over this core.
import type { Containers } from './containers.js';
import type { EngineNetworking } from './networking.js';
import type { EngineImages } from './backends.js';
import type { ContainerStore } from './store.js';
import type { VolumeStore } from './volumes.js';
import type { EngineEvents } from './events.js';
import type { Runtime } from '../runtime/api.js';
import type { EngineRuntimes } from './runtimes/index.js';

export interface EngineCore {
  readonly root: string;
  readonly runroot: string;
  readonly images: EngineImages;
  /** The in-process runtime (the default); a container's own is containers.runtimeOf(rec). */
  readonly runtime: Runtime;
  /** Every runtime containers may name (HostConfig.Runtime). */
  readonly runtimes: EngineRuntimes;
  readonly containers: Containers;
  readonly store: ContainerStore;
  readonly volumes: VolumeStore;
  /** Networking for containers; the network service itself loads on first use. */
  readonly networking: EngineNetworking;
  /** The event bus every state change is emitted on (the log under root, shared by every process on it). */
  readonly events: EngineEvents;
}

export interface EngineOptions {
  root: string;
  runroot: string;
  /** OCI runtimes added by name=path (dockerd's --add-runtime), beside runc, crun and GANTRY_RUNTIMES. */
  runtimes?: Record<string, string>;
  /** containerd-style registry host config (<dir>/<registry>/hosts.toml), for pull mirrors; see images/registry/hosts.ts for the default. */
  registryConfigDir?: string;
}
