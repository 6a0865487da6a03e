// The Engine interface's container data and processes, in-process: logs,
// top, stats, the archive (cp), changes, export and commit. Each part loads
// on first use: every command opens the engine, few need these.
import type { ContainersAPI } from '../api.js';
import type { EngineCore } from '../engine.js';

export type ContainerDataAPI = Pick<ContainersAPI, 'logs' | 'top' | 'stats' | 'archiveStat' | 'archiveGet' | 'archivePut' | 'changes' | 'export' | 'commit'>;

export function localContainerData(core: EngineCore): ContainerDataAPI {
  const archive = () => import('../archive.js');
  return {
    logs: async (ref, opts) => (await import('../logs.js')).containerLogs(core, ref, opts),
    top: async (ref, psArgs) => (await import('../top.js')).containerTop(core, ref, psArgs),
    async *stats(ref, opts) {
      yield* (await import('../stats.js')).containerStats(core, ref, opts);
    },
    archiveStat: async (ref, path) => (await archive()).archiveStat(core, ref, path),
    archiveGet: async (ref, path) => (await archive()).archiveGet(core, ref, path),
    archivePut: async (ref, path, tar, opts) => (await archive()).archivePut(core, ref, path, tar, opts),
    changes: async (ref) => (await import('../changes.js')).containerChanges(core, ref),
    export: async (ref) => (await archive()).exportContainer(core, ref),
    commit: async (ref, opts) => {
      const reference = opts.repo ? `${opts.repo}${opts.tag ? `:${opts.tag}` : ''}` : undefined;
      const id = await (await import('../commit.js')).commitContainer(core, ref, {
        ...(reference ? { reference } : {}),
        ...(opts.author ? { author: opts.author } : {}),
        ...(opts.comment ? { message: opts.comment } : {}),
        ...(opts.changes ? { changes: opts.changes } : {}),
        ...(opts.config ? { config: opts.config } : {}),
        ...(opts.history ? { history: opts.history } : {}),
        pause: opts.pause !== false,
      });
      return { Id: id };
    },
  };
}
