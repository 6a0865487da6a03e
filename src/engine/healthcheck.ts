// One healthcheck probe, run by the container's monitor every interval (through
// monitor-hooks.ts): the check's command in the container, then State.Health
// as docker keeps it (retries, start period, the last 5 results).
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Spec } from '../oci/runtime-spec.js';
import type { Health } from './docker-types.js';
import type { EngineCore } from './engine.js';

/** docker keeps this much of a probe's output. */
const MAX_OUTPUT = 4096;

export async function runHealthcheck(core: EngineCore, ref: string): Promise<void> {
  const rec = await core.containers.get(ref);
  const hc = rec.Config.Healthcheck;
  if (!rec.State.Running || rec.State.Paused || !hc?.Test || hc.Test[0] === 'NONE') return;
  const argv = hc.Test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', hc.Test.slice(1).join(' ')] : hc.Test.slice(1);
  const spec = JSON.parse(await readFile(core.store.runPath(rec.Id, 'config.json'), 'utf8')) as Spec;
  const outPath = join(core.store.runPath(rec.Id), `health.${process.pid}.out`);
  const fd = openSync(outPath, 'w+');
  const start = new Date().toISOString();
  const timeoutMs = hc.Timeout ? hc.Timeout / 1e6 : 30000;
  let exitCode: number;
  try {
    const res = await Promise.race([
      core.containers.runtimeOf(rec).exec(rec.Id, { process: { ...spec.process!, terminal: false, args: argv }, stdio: [fd, fd, fd] }),
      new Promise<{ exitCode: number }>((r) => setTimeout(() => r({ exitCode: -1 }), timeoutMs).unref()),
    ]);
    exitCode = res.exitCode ?? 0;
  } catch {
    exitCode = 1;
  } finally {
    closeSync(fd);
  }
  const output = exitCode === -1 ? `Health check exceeded timeout (${timeoutMs / 1000}s)` : readFileSync(outPath, 'utf8').slice(0, MAX_OUTPUT);
  rmSync(outPath, { force: true });
  const retries = hc.Retries ?? 3;
  const inStartPeriod = hc.StartPeriod ? Date.now() - Date.parse(rec.State.StartedAt) < hc.StartPeriod / 1e6 : false;
  await core.store.withContainerLock(rec.Id, async () => {
    const cur = await core.store.read(rec.Id);
    if (!cur) return;
    const prev: Health = cur.State.Health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    const h: Health = { ...prev, Log: [...prev.Log, { Start: start, End: new Date().toISOString(), ExitCode: exitCode, Output: output }].slice(-5) };
    if (exitCode === 0) {
      h.Status = 'healthy';
      h.FailingStreak = 0;
    } else if (!inStartPeriod) {
      h.FailingStreak = prev.FailingStreak + 1;
      if (h.FailingStreak >= retries) h.Status = 'unhealthy';
    }
    cur.State.Health = h;
    await core.store.write(cur);
    if (h.Status !== prev.Status) core.containers.event(cur, `health_status: ${h.Status}`);
  });
}
