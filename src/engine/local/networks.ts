// The Engine interface's networks, in-process over the engine core.
import type { NetworksAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export function localNetworks(_core: EngineCore): NetworksAPI {
  return unimplemented<NetworksAPI>('networks');
}
