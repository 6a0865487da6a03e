// v2 pids controller: the same pids.max / pids.current files as v1.
export { applyPids as applyPidsV2, pidsStats as pidsStatsV2 } from '../v1/pids.js';
