// The Engine interface's system, in-process over the engine core.
import type { SystemAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export function localSystem(_core: EngineCore): SystemAPI {
  return unimplemented<SystemAPI>('system');
}
