// The Engine interface's volumes, in-process over the engine core.
import type { VolumesAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export function localVolumes(_core: EngineCore): VolumesAPI {
  return unimplemented<VolumesAPI>('volumes');
}
