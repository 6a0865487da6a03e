// The Engine interface's container data and processes, in-process: logs,
// top, stats, the archive (cp), changes, export and commit.
import type { ContainersAPI } from '../api.js';
import type { EngineCore } from '../engine.js';
import { archiveGet, archivePut, archiveStat, exportContainer } from '../archive.js';
import { containerChanges } from '../changes.js';
import { commitContainer } from '../commit.js';
import { containerLogs } from '../logs.js';
import { containerStats } from '../stats.js';
import { containerTop } from '../top.js';

export type ContainerDataAPI = Pick<ContainersAPI, 'logs' | 'top' | 'stats' | 'archiveStat' | 'archiveGet' | 'archivePut' | 'changes' | 'export' | 'commit'>;

export function localContainerData(core: EngineCore): ContainerDataAPI {
  return {
    logs: (ref, opts) => containerLogs(core, ref, opts),
    top: (ref, psArgs) => containerTop(core, ref, psArgs),
    stats: (ref, opts) => containerStats(core, ref, opts),
    archiveStat: (ref, path) => archiveStat(core, ref, path),
    archiveGet: (ref, path) => archiveGet(core, ref, path),
    archivePut: (ref, path, tar, opts) => archivePut(core, ref, path, tar, opts),
    changes: (ref) => containerChanges(core, ref),
    export: (ref) => exportContainer(core, ref),
    commit: async (ref, opts) => {
      const reference = opts.repo ? `${opts.repo}${opts.tag ? `:${opts.tag}` : ''}` : undefined;
      const id = await commitContainer(core, ref, {
        ...(reference ? { reference } : {}),
        ...(opts.author ? { author: opts.author } : {}),
        ...(opts.comment ? { message: opts.comment } : {}),
        ...(opts.changes ? { changes: opts.changes } : {}),
        ...(opts.config ? { config: opts.config } : {}),
        pause: opts.pause !== false,
      });
      return { Id: id };
    },
  };
}
