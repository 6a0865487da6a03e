// The Engine interface's containers, in-process over the engine core: the
// lifecycle here, data and processes (logs, stats, cp, ...) in container-data.ts.
import type { ContainersAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { localContainerData, type ContainerDataAPI } from './container-data.js';
import { unimplemented } from './unimplemented.js';

type ContainerLifecycleAPI = Omit<ContainersAPI, keyof ContainerDataAPI>;

export function localContainers(core: EngineCore): ContainersAPI {
  const lifecycle = unimplemented<ContainerLifecycleAPI>('containers');
  const data = localContainerData(core);
  return new Proxy({} as ContainersAPI, { get: (_t, p) => (data as unknown as Record<string | symbol, unknown>)[p] ?? (lifecycle as unknown as Record<string | symbol, unknown>)[p] });
}
