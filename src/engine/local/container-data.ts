// The Engine interface's container data and processes, in-process: logs,
// top, stats, the archive (cp), changes, export and commit.
import type { ContainersAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export type ContainerDataAPI = Pick<ContainersAPI, 'logs' | 'top' | 'stats' | 'archiveStat' | 'archiveGet' | 'archivePut' | 'changes' | 'export' | 'commit'>;

export function localContainerData(_core: EngineCore): ContainerDataAPI {
  return unimplemented<ContainerDataAPI>('containers');
}
