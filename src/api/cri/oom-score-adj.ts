// The kubelet's oom_score_adj, applied only when it does not lower the
// process's current value: lowering it below what the process inherited needs
// CAP_SYS_RESOURCE, which root here may lack. Such a value is not applied (the
// process keeps its current one) and logged, once per service. 0 means not given.
import { readFile, writeFile } from 'node:fs/promises';

let warned = false;

function warnOnce(requested: number, current: number, whose: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`gantry service: CRI: oom_score_adj ${requested} is below ${whose}'s ${current} and is not applied (lowering it needs CAP_SYS_RESOURCE); further such values are not logged\n`);
}

export async function currentOomScoreAdj(pid: number | 'self'): Promise<number> {
  return Number((await readFile(`/proc/${pid}/oom_score_adj`, 'utf8')).trim());
}

/** The value a new container gets (0 = the service's own, which it inherits). */
export async function oomScoreAdjForCreate(requested: number): Promise<number> {
  if (!requested) return 0;
  const current = await currentOomScoreAdj('self');
  if (requested >= current) return requested;
  warnOnce(requested, current, 'the CRI service');
  return 0;
}

/** Sets a running container's init process's value, unless that would lower it. */
export async function updateOomScoreAdj(pid: number, requested: number): Promise<void> {
  if (!requested) return;
  const current = await currentOomScoreAdj(pid);
  if (requested === current) return;
  if (requested < current) return warnOnce(requested, current, `the container's process ${pid}`);
  await writeFile(`/proc/${pid}/oom_score_adj`, String(requested));
}
