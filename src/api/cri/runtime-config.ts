// RuntimeService.RuntimeConfig: the cgroup driver, which the kubelet must match.
// Gantry writes cgroupfs paths itself (no systemd driver).
import type { Rpc } from './types.js';

export const runtimeConfig: Rpc<Record<string, never>, { linux: { cgroup_driver: 'CGROUPFS' } }> = async () => ({ linux: { cgroup_driver: 'CGROUPFS' } });
