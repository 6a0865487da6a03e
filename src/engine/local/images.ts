// The Engine interface's images, in-process over the engine core.
import type { ImagesAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export function localImages(_core: EngineCore): ImagesAPI {
  return unimplemented<ImagesAPI>('images');
}
