// `gantry update`: docker update's flags as a ContainerUpdateConfig, per container.
import type { Command } from '../command.js';
import type { ParsedFlags } from '../flags.js';
import { UsageError } from '../flags.js';
import type { ContainerUpdateConfig } from '../../engine/api.js';
import { openEngine } from '../engine-client.js';
import { bytesFlag, restartPolicy } from './run.js';
import { forEachContainer } from './rm.js';

const int = (name: string, description: string) => ({ name, type: 'int' as const, description });
const str = (name: string, description: string, short?: string) => ({ name, type: 'string' as const, description, ...(short ? { short } : {}) });

export const command: Command = {
  spec: {
    name: 'update',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Update configuration of one or more containers',
    minArgs: 1,
    flags: [
      int('blkio-weight', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)'),
      int('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
      int('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
      { name: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
      str('cpus', 'Number of CPUs'),
      str('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
      str('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
      str('memory', 'Memory limit', 'm'),
      str('memory-reservation', 'Memory soft limit'),
      str('memory-swap', "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
      int('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
      str('restart', 'Restart policy to apply when a container exits'),
    ],
  },
  async run(ctx, parsed) {
    const config = updateConfig(parsed);
    const engine = await openEngine(ctx);
    return forEachContainer(ctx, parsed.args, async (ref) => {
      for (const w of (await engine.containers.update(ref, config)).Warnings) ctx.stderr.write(`WARNING: ${w}\n`);
    });
  },
};

function updateConfig({ flags, set }: ParsedFlags): ContainerUpdateConfig {
  if (set.size === 0) throw new UsageError('you must provide one or more flags when using this command');
  const s = (k: string) => flags[k] as string;
  const n = (k: string) => flags[k] as number;
  const cpus = s('cpus');
  if (cpus !== undefined && !/^\d+(\.\d+)?$/.test(cpus)) throw new UsageError(`invalid argument "${cpus}" for "--cpus" flag: failed to parse ${cpus} as a rational number`);
  return {
    ...(set.has('blkio-weight') ? { BlkioWeight: n('blkio-weight') } : {}),
    ...(set.has('cpu-period') ? { CpuPeriod: n('cpu-period') } : {}),
    ...(set.has('cpu-quota') ? { CpuQuota: n('cpu-quota') } : {}),
    ...(set.has('cpu-shares') ? { CpuShares: n('cpu-shares') } : {}),
    ...(cpus !== undefined ? { NanoCpus: Math.round(Number(cpus) * 1e9) } : {}),
    ...(set.has('cpuset-cpus') ? { CpusetCpus: s('cpuset-cpus') } : {}),
    ...(set.has('cpuset-mems') ? { CpusetMems: s('cpuset-mems') } : {}),
    ...(set.has('memory') ? { Memory: bytesFlag('memory', s('memory')) } : {}),
    ...(set.has('memory-reservation') ? { MemoryReservation: bytesFlag('memory-reservation', s('memory-reservation')) } : {}),
    ...(set.has('memory-swap') ? { MemorySwap: bytesFlag('memory-swap', s('memory-swap')) } : {}),
    ...(set.has('pids-limit') ? { PidsLimit: n('pids-limit') } : {}),
    ...(set.has('restart') ? { RestartPolicy: restartPolicy(s('restart')) } : {}),
  };
}
