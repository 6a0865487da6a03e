// Container list filters as dockerd's container list applies them
// (daemon/list.go): the keys it accepts, its checks of the values (with its
// error texts), values of one key ORed except label's (all must match),
// before/since cutting the list (newest first) at a container.
import { invalidArgument, notFound, isNotFound } from '../errdefs/index.js';
import type { ContainerRecord } from './store.js';
import type { EngineCore } from './engine.js';
import type { Filters } from './api-types.js';

const ACCEPTED = new Set(['ancestor', 'before', 'exited', 'id', 'isolation', 'label', 'name', 'status', 'health', 'since', 'volume', 'network', 'is-task', 'publish', 'expose']);
const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
const HEALTHS = ['none', 'starting', 'healthy', 'unhealthy'];

/** docker's State string of a container. */
export function stateOf(rec: ContainerRecord): string {
  const s = rec.State;
  if (s.Running) return s.Paused ? 'paused' : s.Restarting ? 'restarting' : 'running';
  if (s.Status === 'removing' || s.Status === 'dead' || s.Status === 'created') return s.Status;
  return 'exited';
}

/** Go's regexp.MatchString as docker's filters.Match uses it: exact, else a regex search (a bad pattern matches nothing). */
function matchAny(values: Set<string>, source: string): boolean {
  if (values.has(source)) return true;
  for (const v of values) {
    try {
      if (new RegExp(v).test(source)) return true;
    } catch {
      // not a pattern
    }
  }
  return false;
}

/** nat's port ranges of a publish/expose value ("80", "8000-8010/udp"). */
function portSet(key: string, values: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const value of values) {
    if (value.includes(':')) throw invalidArgument(`filter for '${key}' should not contain ':': ${value}`);
    const [port = '', proto] = value.split('/');
    const fail = (why: string) => invalidArgument(`error while looking up for ${key} ${value}: ${why}`);
    if (port === '') throw fail('empty string specified for ports');
    const [startText = '', endText] = port.split('-');
    const num = (t: string) => {
      if (!/^\d+$/.test(t) || Number(t) > 65535) throw fail(`strconv.ParseUint: parsing "${t}": ${/^\d+$/.test(t) ? 'value out of range' : 'invalid syntax'}`);
      return Number(t);
    };
    const start = num(startText);
    const end = endText === undefined ? start : num(endText);
    if (end < start) throw fail(`invalid range specified for port: ${port}`);
    for (let p = start; p <= end; p++) out.add(`${p}/${proto || 'tcp'}`);
  }
  return out;
}

/** The container's ports as its summary lists them (a running container's published and exposed ones). */
function portsOf(rec: ContainerRecord): { private: string; public: string }[] {
  if (!rec.State.Running) return [];
  const out: { private: string; public: string }[] = [];
  for (const [key, bindings] of Object.entries(rec.NetworkSettings.Ports ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    if (!bindings || bindings.length === 0) out.push({ private: `${port}/${proto}`, public: `0/${proto}` });
    else for (const b of bindings) out.push({ private: `${port}/${proto}`, public: `${Number(b.HostPort) || 0}/${proto}` });
  }
  return out;
}

/** Image ids an ancestor filter names: the images and those built on them (their layers a prefix of the other's). */
async function ancestorIds(engine: EngineCore, values: Set<string>): Promise<Set<string>> {
  const ids = new Set<string>();
  let all: { id: string; config: { rootfs?: { diff_ids?: string[] } } }[] | undefined;
  for (const v of values) {
    const image = await engine.images.resolve(v).catch(() => undefined);
    if (!image) continue; // as dockerd: an unknown image only logs a warning
    ids.add(image.id);
    const base = image.config.rootfs?.diff_ids ?? [];
    const { requireImageService } = await import('./image-service.js');
    all ??= await Promise.resolve()
      .then(() => requireImageService(engine.images, 'ps --filter ancestor').list())
      .catch(() => []);
    for (const other of all) {
      const layers = other.config.rootfs?.diff_ids ?? [];
      if (base.length > 0 && layers.length > base.length && base.every((d, i) => layers[i] === d)) ids.add(other.id);
    }
  }
  return ids;
}

export interface ContainerSelection {
  /** Keep stopped containers (status filters imply -a). */
  all: boolean;
  filter(recs: ContainerRecord[], all: boolean): ContainerRecord[];
}

/** Checks the filters and returns the selection over records sorted newest first. */
export async function containerSelection(engine: EngineCore, given: Filters = {}): Promise<ContainerSelection> {
  // Repeated values collapse, as docker's filters.Args keeps a set per key.
  const filters = new Map(Object.entries(given).map(([k, v]) => [k, new Set(v)]));
  for (const key of filters.keys()) if (!ACCEPTED.has(key)) throw invalidArgument(`invalid filter '${key}'`);
  const get = (k: string) => filters.get(k) ?? new Set<string>();
  const exited = [...get('exited')].map((v) => {
    if (!/^[+-]?\d+$/.test(v)) throw invalidArgument(`invalid filter 'exited=${v}': strconv.Atoi: parsing "${v}": invalid syntax`);
    return Number(v);
  });
  for (const v of get('status')) if (!STATES.includes(v)) throw invalidArgument(`invalid filter 'status=${v}': invalid value for state (${v}): must be one of ${STATES.join(', ')}`);
  let isTask: boolean | undefined;
  if (filters.has('is-task')) {
    const v = get('is-task');
    const no = v.has('0') || v.has('false');
    const yes = v.has('1') || v.has('true');
    if (no === yes) throw invalidArgument(`invalid filter 'is-task=[${[...v].join(' ')}]'`);
    isTask = yes;
  }
  for (const v of get('health')) if (!HEALTHS.includes(v)) throw invalidArgument(`invalid filter 'health=${v}': invalid value for health (${v}): must be one of ${HEALTHS.join(', ')}`);
  const lookup = async (v: string) => {
    try {
      return (await engine.store.lookup(v)).Id;
    } catch (err) {
      throw isNotFound(err) ? notFound(`No such container: ${v}`) : err;
    }
  };
  let before: string | undefined;
  for (const v of get('before')) before = await lookup(v);
  let since: string | undefined;
  for (const v of get('since')) since = await lookup(v);
  const ancestors = filters.has('ancestor') ? await ancestorIds(engine, get('ancestor')) : undefined;
  const publish = portSet('publish', get('publish'));
  const expose = portSet('expose', get('expose'));

  const matches = (rec: ContainerRecord, all: ContainerRecord[]): boolean => {
    const name = rec.Name;
    if (filters.has('name') && !matchAny(get('name'), name) && !matchAny(get('name'), name.replace(/^\//, ''))) return false;
    if (filters.has('id')) {
      // A value selects the one container its prefix names (none when ambiguous) and must match as a pattern too.
      const ok = [...get('id')].some((v) => rec.Id.startsWith(v) && all.filter((r) => r.Id.startsWith(v)).length === 1);
      if (!ok || !matchAny(get('id'), rec.Id)) return false;
    }
    if (isTask === true) return false; // no container here is a swarm task
    for (const v of get('label')) {
      const i = v.indexOf('=');
      const labels = rec.Config.Labels ?? {};
      const k = i < 0 ? v : v.slice(0, i);
      if (!(k in labels) || (i >= 0 && labels[k] !== v.slice(i + 1))) return false;
    }
    if (exited.length && !exited.some((code) => code === rec.State.ExitCode && !rec.State.Running && rec.State.StartedAt !== '0001-01-01T00:00:00Z')) return false;
    if (filters.has('status') && !matchAny(get('status'), stateOf(rec))) return false;
    if (filters.has('health') && !get('health').has(rec.State.Health?.Status ?? 'none')) return false;
    if (filters.has('volume')) {
      const values = get('volume');
      if (!rec.Mounts.some((m) => values.has(m.Destination) || values.has(m.Name || m.Source))) return false;
    }
    if (ancestors && !ancestors.has(rec.Image)) return false;
    if (filters.has('network')) {
      const nets = rec.NetworkSettings.Networks ?? {};
      const names = Object.keys(nets);
      const ok = [...get('network')].some((v) => v in nets || names.some((n) => (nets[n]?.NetworkID ?? '') !== '' && nets[n]!.NetworkID.startsWith(v)) || (names.length === 0 && rec.HostConfig.NetworkMode === v));
      if (!ok) return false;
    }
    if (publish.size || expose.size) {
      if (!portsOf(rec).some((p) => publish.has(p.public) || expose.has(p.private))) return false;
    }
    return true;
  };

  return {
    all: filters.has('status'),
    filter(recs, all) {
      const out: ContainerRecord[] = [];
      let skipping = before !== undefined;
      for (const rec of recs) {
        if (skipping) {
          if (rec.Id === before) skipping = false;
          continue;
        }
        if (since !== undefined && rec.Id === since) break;
        if (!rec.State.Running && !all) continue;
        if (matches(rec, recs)) out.push(rec);
      }
      return out;
    },
  };
}
