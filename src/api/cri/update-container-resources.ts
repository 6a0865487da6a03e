// RuntimeService.UpdateContainerResources: the kubelet's new CPU and memory
// limits, applied by the engine's update (cgroup writes on a running container),
// and oom_score_adj, set on the running container's init process unless that
// would lower it (oom-score-adj.ts); a restart starts with the created value.
import type { ContainerUpdateConfig } from '../../engine/api-types.js';
import { inspectCri } from './lookup.js';
import { updateOomScoreAdj } from './oom-score-adj.js';
import type { ContainerConfig, Rpc } from './types.js';

type Resources = NonNullable<NonNullable<ContainerConfig['linux']>['resources']>;

export function engineResources(r: Resources | null | undefined): ContainerUpdateConfig {
  if (!r) return {};
  const out: ContainerUpdateConfig = {};
  if (Number(r.cpu_shares) > 0) out.CpuShares = Number(r.cpu_shares);
  if (Number(r.cpu_quota) > 0) out.CpuQuota = Number(r.cpu_quota);
  if (Number(r.cpu_period) > 0) out.CpuPeriod = Number(r.cpu_period);
  if (Number(r.memory_limit_in_bytes) > 0) out.Memory = Number(r.memory_limit_in_bytes);
  if (r.cpuset_cpus) out.CpusetCpus = r.cpuset_cpus;
  if (r.cpuset_mems) out.CpusetMems = r.cpuset_mems;
  return out;
}

export const updateContainerResources: Rpc<{ container_id: string; linux: Resources | null }, Record<string, never>> = async (ctx, req) => {
  const rec = await inspectCri(ctx, 'container', req.container_id);
  const update = engineResources(req.linux);
  if (Object.keys(update).length) await ctx.engine.containers.update(rec.Id, update);
  if (rec.State.Running && rec.State.Pid > 0) await updateOomScoreAdj(rec.State.Pid, Number(req.linux?.oom_score_adj ?? 0));
  return {};
};
