// Named volumes (<root>/volumes/<name>/_data + volume.json), the engine's half
// of -v/--mount/--tmpfs (dockerd's parse and checks, with its wording for bad
// specs) and the copy of an image's directory into a new volume.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, internal, invalidArgument, notFound, notImplemented } from '../errdefs/index.js';
import type { HostConfig, MountPoint, MountSpec } from './docker-types.js';
import { isMounted, mountAt, unmount } from '../images/snapshots/mount.js';

export interface VolumeRecord {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: 'local';
}

const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, 'volumes');
  }

  async create(name: string | undefined, labels: Record<string, string> = {}, options: Record<string, string> = {}): Promise<VolumeRecord> {
    const volName = name || randomBytes(32).toString('hex');
    if (!VOLUME_NAME_RE.test(volName)) throw invalidArgument(`create ${volName}: "${volName}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    const existing = await this.get(volName).catch(() => undefined);
    if (existing) return existing;
    validateVolumeOptions(options);
    const rec: VolumeRecord = { CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Driver: 'local', Labels: labels, Mountpoint: join(this.dir, volName, '_data'), Name: volName, Options: options, Scope: 'local' };
    await mkdir(rec.Mountpoint, { recursive: true });
    await writeFile(join(this.dir, volName, 'volume.json'), JSON.stringify(rec));
    return rec;
  }

  async get(name: string): Promise<VolumeRecord> {
    try {
      return JSON.parse(await readFile(join(this.dir, name, 'volume.json'), 'utf8')) as VolumeRecord;
    } catch {
      throw notFound(`get ${name}: no such volume`);
    }
  }

  async list(): Promise<VolumeRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const recs = await Promise.all(names.map((n) => this.get(n).catch(() => undefined)));
    return recs.filter((r): r is VolumeRecord => r !== undefined);
  }

  async remove(name: string, usedBy: string[]): Promise<void> {
    const rec = await this.get(name);
    if (usedBy.length) throw conflict(`remove ${name}: volume is in use - [${usedBy.join(', ')}]`);
    // A mounted device's files are not the volume's to delete.
    if (needsMount(rec)) await unmount(rec.Mountpoint);
    await rm(join(this.dir, name), { recursive: true, force: true });
  }

  /**
   * Mounts the volumes of the local driver's device options (type, device, o) on
   * their mount points, as docker's local driver does before a container uses
   * them. They stay mounted until the volume is removed (or the host reboots;
   * the next use mounts them again), where docker unmounts after the last user.
   */
  async mountDevices(points: MountPoint[]): Promise<void> {
    for (const p of points) {
      if (p.Type !== 'volume' || !p.Name) continue;
      const rec = await this.get(p.Name);
      if (!needsMount(rec) || (await isMounted(rec.Mountpoint))) continue;
      const o = rec.Options;
      try {
        await mountAt({ type: o.type!, source: o.device!, options: o.o ? [o.o] : [] }, rec.Mountpoint);
      } catch (err) {
        throw internal(`failed to mount local volume: ${(err as Error).message}`, err);
      }
    }
  }

  async size(name: string): Promise<number> {
    return dirSize(join(this.dir, name, '_data'));
  }
}

export async function dirSize(path: string): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

// ---- mount specs, validated as dockerd's Linux mount parser does ----

const PROPAGATION_MODES = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

/** Go's path.Clean for container paths. */
export function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** A -v mode ("ro,rslave,nocopy"): at most one of each kind. */
function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = new Map<string, number>();
  for (const o of mode.split(',')) {
    const kind = o === 'rw' || o === 'ro' ? 'rw' : o === 'z' || o === 'Z' ? 'label' : PROPAGATION_MODES.has(o) ? 'propagation' : o === 'nocopy' ? 'copy' : CONSISTENCY_MODES.has(o) ? 'consistency' : undefined;
    if (!kind) return false;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.values()].every((n) => n === 1);
}

function notRootAndAbsolute(p: string): string | undefined {
  if (cleanPath(p.replace(/\\/g, '/')) === '/') return "invalid specification: destination can't be '/'";
  if (!posix.isAbsolute(p.replace(/\\/g, '/'))) return `invalid mount path: '${p}' mount path must be absolute`;
  return undefined;
}

/** dockerd's checks of one mount; bind sources are checked only for --mount (-v creates a missing one). */
export function validateMountConfig(m: MountSpec, checkBindSource = true): void {
  const fail = (why: string) => invalidArgument(`invalid mount config for type "${m.Type}": ${why}`);
  if (!m.Target) throw fail('field Target must not be empty');
  const target = notRootAndAbsolute(m.Target);
  if (target) throw fail(target);
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) throw fail('field Source must not be empty');
      const prop = m.BindOptions?.Propagation;
      if (prop && !PROPAGATION_MODES.has(prop)) throw fail(`invalid propagation mode: ${prop}`);
      if (m.VolumeOptions) throw fail('field VolumeOptions must not be specified');
      if (m.ImageOptions) throw fail('field ImageOptions must not be specified');
      if (!posix.isAbsolute(m.Source)) throw fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      if (checkBindSource && !m.BindOptions?.CreateMountpoint && !existsSync(m.Source)) throw fail(`bind source path does not exist: ${m.Source}`);
      break;
    }
    case 'volume': {
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.ImageOptions) throw fail('field ImageOptions must not be specified');
      const anonymous = !m.Source;
      const subpath = m.VolumeOptions?.Subpath;
      if (subpath) {
        if (anonymous) throw fail('must not set Subpath when using anonymous volumes');
        if (posix.isAbsolute(subpath) || posix.normalize(subpath).split('/')[0] === '..') throw fail('subpath must be a relative path within the volume');
        // A symlink planted in the volume by an earlier container would lead the bind out of it.
        throw notImplemented('volume-subpath is not supported');
      }
      if (m.ReadOnly && anonymous) throw fail('must not set ReadOnly mode when using anonymous volumes');
      break;
    }
    case 'tmpfs':
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.ImageOptions) throw fail('field ImageOptions must not be specified');
      if (m.Source) throw fail('field Source must not be specified');
      for (const o of m.TmpfsOptions?.Options ?? []) {
        if (o.length < 1 || o.length > 2) throw fail('invalid option array length');
        if (o[0] !== 'exec' && o[0] !== 'noexec') throw fail(`invalid option: ${o[0]}`);
      }
      break;
    case 'image':
      throw notImplemented('mount type "image" is not supported');
    default:
      throw fail('mount type unknown');
  }
}

/** A tmpfs --mount's options as dockerd writes them ("ro,mode=1777,size=64m"). */
export function tmpfsMountData(m: MountSpec): string {
  const opts: string[] = [];
  if (m.ReadOnly) opts.push('ro');
  const t = m.TmpfsOptions;
  if (t?.Mode) opts.push(`mode=${t.Mode.toString(8)}`);
  if (t?.SizeBytes) {
    const unit = ([['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const).find(([, d]) => t.SizeBytes! % d === 0);
    opts.push(unit ? `size=${t.SizeBytes / unit[1]}${unit[0]}` : `size=${t.SizeBytes}`);
  }
  for (const o of t?.Options ?? []) opts.push(o.join('='));
  return opts.join(',');
}

/** A parsed -v entry (HostConfig.Binds): the mount and its mode string. */
export interface BindSpec {
  mount: MountSpec;
  mode: string;
}

/** dockerd's ParseMountRaw: SRC:DST[:MODE], or DST alone (anonymous volume). */
export function parseBindSpec(raw: string): BindSpec {
  const invalidSpec = `invalid volume specification: '${raw}'`;
  const arr = raw.split(':');
  if (arr[0] === '' || arr.length > 3) throw invalidArgument(invalidSpec);
  let source = '';
  let target: string;
  let mode = '';
  if (arr.length === 1) target = arr[0]!;
  else {
    // "/foo:rw" names a destination and a mode but no source: a volume cannot carry a mode.
    if (arr.length === 2 && validMountMode(arr[1]!)) throw invalidArgument(invalidSpec);
    source = arr[0]!;
    target = arr[1]!;
    mode = arr[2] ?? '';
  }
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const opts = mode.split(',');
  const m: MountSpec = { Type: posix.isAbsolute(source) ? 'bind' : 'volume', Target: target, ReadOnly: opts.includes('ro') };
  if (source) m.Source = source;
  if (opts.includes('nocopy')) m.VolumeOptions = { NoCopy: true };
  const propagation = opts.find((o) => PROPAGATION_MODES.has(o));
  if (propagation) m.BindOptions = { Propagation: propagation };
  try {
    validateMountConfig(m, false);
  } catch (err) {
    throw invalidArgument(`${invalidSpec}: ${(err as Error).message}`);
  }
  return { mount: m, mode };
}

/** A tmpfs destination (--tmpfs), checked as dockerd does before anything else. */
export function validateTmpfsDestination(dest: string): void {
  const why = notRootAndAbsolute(dest);
  if (why) throw invalidArgument(why);
}

/** The local driver's volume options: only what it can mount, each with its companions. */
export function validateVolumeOptions(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) if (!['type', 'o', 'device', 'size'].includes(k)) throw invalidArgument(`invalid option: "${k}"`);
  const required: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };
  for (const [k, needs] of Object.entries(required)) if (k in opts) for (const n of needs) if (!(n in opts)) throw invalidArgument(`missing required option: "${n}"`);
  if ('size' in opts) throw invalidArgument('quota size requested but no quota support');
}

const needsMount = (rec: VolumeRecord) => Boolean(rec.Options?.type || rec.Options?.device);

/**
 * Copies an image's directory into a new volume as dockerd does on create: the
 * directory's contents, owners, modes, times and xattrs, and the directory's own
 * owner and mode onto the volume's root. Only into an empty volume.
 */
export async function populateVolume(volumePath: string, imageDir: string): Promise<boolean> {
  if ((await readdir(volumePath)).length > 0) return false;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('cp', ['-a', '--', `${imageDir}/.`, `${volumePath}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(internal(`populate volume ${volumePath}: spawn cp: ${err.message}`, err)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(internal(`populate volume ${volumePath} from the image's ${imageDir}: ${stderr.trim() || `cp exited ${code}`}`))));
  });
  return true;
}

/** A container's mounts as create leaves them: docker's Mounts list, and the volumes an image directory fills. */
export interface PlannedMounts {
  mounts: MountPoint[];
  /** Names of the anonymous volumes created (removed with the container by rm -v / --rm). */
  anonymous: string[];
  /** Volumes to fill from the image's directory at their destination (when still empty). */
  populate: { volumePath: string; destination: string }[];
}

/**
 * Resolves -v (Binds), --mount (Mounts) and anonymous volumes (Config.Volumes,
 * the image's VOLUMEs among them) in dockerd's order, creating volumes and
 * missing -v bind sources. --tmpfs mounts are not listed (docker lists them in
 * HostConfig.Tmpfs only).
 */
export async function planMounts(volumes: VolumeStore, hc: HostConfig, configVolumes: string[]): Promise<PlannedMounts> {
  // First every check, so a refused spec leaves no volume or directory behind.
  const tmpfs = Object.keys(hc.Tmpfs ?? {});
  for (const dest of tmpfs) validateTmpfsDestination(dest);
  for (const m of hc.Mounts ?? []) validateMountConfig(m);
  const taken = new Set(tmpfs.map(cleanPath));
  const claim = (destination: string, shown: string) => {
    if (taken.has(destination)) throw invalidArgument(`Duplicate mount point: ${shown}`);
    taken.add(destination);
  };
  /** In order: a mount point as is, or a volume to create (mode undefined: an anonymous one from Config.Volumes, shown without docker's "z"). */
  type Step = { point: MountPoint; createSource?: string } | { volume: MountSpec; destination: string; mode?: string; copy: boolean };
  const steps: Step[] = [];
  for (const raw of hc.Binds ?? []) {
    const { mount: m, mode } = parseBindSpec(raw);
    const destination = cleanPath(m.Target);
    claim(destination, destination);
    if (m.Type === 'bind') {
      // -v creates a missing source directory, as docker does (--mount refuses one).
      steps.push({ point: { Type: 'bind', Source: cleanPath(m.Source!), Destination: destination, Mode: mode, RW: !m.ReadOnly, Propagation: m.BindOptions?.Propagation ?? 'rprivate' }, createSource: m.Source! });
    } else {
      steps.push({ volume: m, destination, mode, copy: !m.VolumeOptions?.NoCopy });
    }
  }
  for (const m of hc.Mounts ?? []) {
    const destination = cleanPath(m.Target);
    claim(destination, m.Target);
    const options = m.VolumeOptions?.DriverConfig?.Options;
    if (options && Object.keys(options).length) validateVolumeOptions(options);
    if (m.Type === 'bind') {
      const point: MountPoint = { Type: 'bind', Source: cleanPath(m.Source!), Destination: destination, Mode: '', RW: !m.ReadOnly, Propagation: m.BindOptions?.Propagation || 'rprivate' };
      steps.push(m.BindOptions?.CreateMountpoint ? { point, createSource: m.Source! } : { point });
    }
    else if (m.Type === 'volume') steps.push({ volume: m, destination, mode: '', copy: !m.VolumeOptions?.NoCopy });
    else steps.push({ point: { Type: 'tmpfs', Source: '', Destination: destination, Mode: '', RW: !m.ReadOnly, Propagation: '' } });
  }
  // Anonymous volumes yield to anything else mounted at their place (an image VOLUME under -v or --tmpfs).
  for (const dest of configVolumes) {
    try {
      validateMountConfig({ Type: 'volume', Target: dest });
    } catch (err) {
      throw invalidArgument(`invalid volume specification: '${dest}': ${(err as Error).message}`);
    }
    const destination = cleanPath(dest);
    if (taken.has(destination)) continue;
    taken.add(destination);
    steps.push({ volume: { Type: 'volume', Target: destination }, destination, copy: true });
  }

  const out: PlannedMounts = { mounts: [], anonymous: [], populate: [] };
  try {
    for (const step of steps) {
      if ('point' in step) {
        if (step.createSource) await mkdir(step.createSource, { recursive: true });
        out.mounts.push(step.point);
        continue;
      }
      const m = step.volume;
      const vol = await volumes.create(m.Source, m.VolumeOptions?.Labels ?? {}, m.VolumeOptions?.DriverConfig?.Options ?? {});
      if (!m.Source) out.anonymous.push(vol.Name);
      out.mounts.push({ Type: 'volume', Name: vol.Name, Source: vol.Mountpoint, Destination: step.destination, Driver: 'local', Mode: step.mode === undefined ? '' : step.mode || 'z', RW: !m.ReadOnly, Propagation: '' });
      if (step.copy) out.populate.push({ volumePath: vol.Mountpoint, destination: step.destination });
    }
    // Filled (and used) on the device, as docker mounts such a volume before its copy.
    await volumes.mountDevices(out.mounts);
  } catch (err) {
    for (const name of out.anonymous) await volumes.remove(name, []).catch(() => undefined);
    throw err;
  }
  return out;
}
