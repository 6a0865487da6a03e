// Launch plans: OCI config → the helper's literal instructions, and their wire encoding.
export { buildLaunchPlan, buildExecPlan, cgroupResources, planMount, planDevices, withDefaultMounts, planNamespaces, planProcess, planRlimits, planCapabilities, cpuMask } from './build.js';
export type { LaunchPlanOptions, ProcessPlanOptions } from './build.js';
export { encodePlan } from './encode.js';
export { parseMountOptions } from './mount-options.js';
export * from './types.js';
