// GET /containers/{id}/top: as dockerd does, the host's ps (ps_args, default
// -ef) with only the rows whose PID is one of the container's processes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ContainerTop } from './api-types.js';
import type { EngineCore } from './engine.js';
import { conflict, internal, invalidArgument } from '../errdefs/index.js';

/** dockerd's parsePSOutput: the header's columns; the last one takes the rest of the line (the command). */
export function parsePs(output: string, pids: Set<number>): ContainerTop {
  const [header = '', ...rows] = output.trimEnd().split('\n');
  const titles = header.trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw internal(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (!pids.has(Number(f[pidCol]))) continue;
    processes.push([...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')]);
  }
  return { Titles: titles, Processes: processes };
}

export async function containerTop(engine: EngineCore, ref: string, psArgs = '-ef'): Promise<ContainerTop> {
  const rec = await engine.containers.get(ref);
  if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
  if (rec.State.Restarting) throw conflict(`Container ${rec.Id} is restarting, wait until the container is running`);
  const args = psArgs.split(/\s+/).filter(Boolean);
  const pids = new Set(await engine.containers.runtimeOf(rec).pids(rec.Id));
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('ps', args.length ? args : ['-ef'], { maxBuffer: 64 << 20 }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw invalidArgument(`Error running ps: ${(e.stderr || e.message).trim()}`, err);
  }
  return parsePs(stdout, pids);
}
