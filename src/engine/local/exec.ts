// The Engine interface's exec, in-process over the engine core.
import type { ExecAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { unimplemented } from './unimplemented.js';

export function localExec(_core: EngineCore): ExecAPI {
  return unimplemented<ExecAPI>('exec');
}
