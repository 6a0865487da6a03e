// The OCI runtime library: openRuntime() is what the runtime CLI and the engine use.
import type { Runtime, RuntimeOptions } from './api.js';
import { GantryRuntime } from './container/runtime.js';

export type * from './api.js';
export { buildLaunchPlan, buildExecPlan, encodePlan } from './plan/index.js';
export type { LaunchPlan, LaunchPlanOptions } from './plan/index.js';
export { helperPath } from './container/helper-path.js';

export function openRuntime(opts: RuntimeOptions): Runtime {
  return new GantryRuntime(opts);
}
