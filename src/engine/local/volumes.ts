// The Engine interface's volumes, in-process over the core's volume store:
// docker's Volume JSON, its list filters, "in use" from the containers' mounts,
// and the volume events dockerd emits.
import type { VolumesAPI } from '../api.js';
import type { Filters, Volume, VolumeListResponse, VolumePruneReport } from '../api-types.js';
import type { EngineCore } from '../engine.js';
import { invalidArgument, isNotFound, notFound } from '../../errdefs/index.js';
import type { VolumeRecord } from '../volumes.js';
import { labelMatches } from '../prune-filters.js';

/** dockerd's label on volumes it made for a container (anonymous volumes); ours also have 64-hex names. */
const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
const isAnonymous = (v: VolumeRecord) => ANONYMOUS_LABEL in (v.Labels ?? {}) || /^[0-9a-f]{64}$/.test(v.Name);

const LIST_FILTERS = new Set(['name', 'label', 'dangling', 'driver']);
const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

export function toVolume(v: VolumeRecord): Volume {
  return { CreatedAt: v.CreatedAt, Driver: v.Driver, Labels: v.Labels ?? null, Mountpoint: v.Mountpoint, Name: v.Name, Options: v.Options ?? null, Scope: 'local' };
}

const truthy = (v: string) => v === 'true' || v === '1';

/** "k" or "k=v" against a label map. */
function checkFilters(filters: Filters, allowed: Set<string>): void {
  for (const k of Object.keys(filters)) if (!allowed.has(k)) throw invalidArgument(`invalid filter '${k}'`);
}

export function localVolumes(core: EngineCore): VolumesAPI {
  const emit = (action: string, name: string, attrs: Record<string, string> = {}) =>
    core.events.emit({ Type: 'volume', Action: action, Actor: { ID: name, Attributes: { driver: 'local', ...attrs } } });

  /** Volume name -> the containers whose mounts name it. */
  const users = async (): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    for (const r of await core.store.list()) for (const m of r.Mounts) if (m.Type === 'volume' && m.Name) out.set(m.Name, [...(out.get(m.Name) ?? []), r.Id]);
    return out;
  };

  return {
    async list(filters: Filters = {}): Promise<VolumeListResponse> {
      checkFilters(filters, LIST_FILTERS);
      const [vols, used] = await Promise.all([core.volumes.list(), filters.dangling ? users() : Promise.resolve(new Map<string, string[]>())]);
      const keep = (v: VolumeRecord) =>
        (filters.name ?? []).every((n) => v.Name.includes(n)) &&
        (filters.label ?? []).every((l) => labelMatches(v.Labels, l)) &&
        (filters.driver ?? []).every((d) => v.Driver === d) &&
        (filters.dangling ?? []).every((d) => used.has(v.Name) !== truthy(d));
      return { Volumes: vols.filter(keep).map(toVolume), Warnings: null };
    },

    async create(req) {
      const driver = req.Driver || 'local';
      if (driver !== 'local') throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
      const rec = await core.volumes.create(req.Name || undefined, req.Labels ?? {}, req.DriverOpts ?? {});
      emit('create', rec.Name);
      return toVolume(rec);
    },

    async inspect(name) {
      return toVolume(await core.volumes.get(name));
    },

    async remove(name, opts = {}) {
      try {
        await core.volumes.remove(name, (await users()).get(name) ?? []);
      } catch (err) {
        // dockerd: force ignores only a missing volume, never one in use
        if (opts.force && isNotFound(err)) return;
        throw err;
      }
      emit('destroy', name);
    },

    async prune(filters: Filters = {}): Promise<VolumePruneReport> {
      checkFilters(filters, PRUNE_FILTERS);
      const all = (filters.all ?? []).some(truthy);
      const used = await users();
      const report: VolumePruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
      for (const v of await core.volumes.list()) {
        if (used.has(v.Name) || (!all && !isAnonymous(v))) continue;
        if (!(filters.label ?? []).every((l) => labelMatches(v.Labels, l))) continue;
        if ((filters['label!'] ?? []).some((l) => labelMatches(v.Labels, l))) continue;
        const size = await core.volumes.size(v.Name);
        try {
          await core.volumes.remove(v.Name, []);
        } catch {
          continue; // removed meanwhile
        }
        emit('destroy', v.Name);
        report.VolumesDeleted!.push(v.Name);
        report.SpaceReclaimed += size;
      }
      core.events.emit({ Type: 'volume', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(report.SpaceReclaimed) } } });
      return report;
    },
  };
}
