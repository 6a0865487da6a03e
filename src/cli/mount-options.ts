// The client half of docker's mount options, as docker's CLI (28.2) parses them
// before anything reaches the engine: --mount's csv (opts/mount.go), -v's split
// into binds and anonymous volumes (compose loader's ParseVolume) and --device's
// path check. The engine validates the result again (engine/volumes.ts), as
// dockerd does.
import { isAbsolute, posix, resolve } from 'node:path';
import { invalidArgument } from '../errdefs/index.js';
import type { MountSpec } from '../engine/docker-types.js';
import { UsageError } from './flags.js';
import { parseBytes } from './units.js';

/** Go's encoding/csv reading one record (quoted fields, "" for a quote inside quotes). */
function csvFields(line: string): string[] {
  if (line === '') throw new Error('EOF');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end < 0 ? line.length : end);
      const quote = field.indexOf('"');
      if (quote >= 0) throw new Error(`parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`);
      i += field.length;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Go's strconv.ParseBool. */
function goBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function setKeyValue(target: Record<string, string>, kv: string): void {
  const i = kv.indexOf('=');
  const k = i < 0 ? kv : kv.slice(0, i);
  if (k !== '') target[k] = i < 0 ? '' : kv.slice(i + 1);
}

function mountFromCsv(value: string, warn: (line: string) => void): MountSpec {
  const m: MountSpec = { Type: 'volume', Target: '' };
  const volumeOptions = () => {
    m.VolumeOptions ??= { Labels: {} };
    m.VolumeOptions.DriverConfig ??= {};
    return m.VolumeOptions;
  };
  const bindOptions = () => (m.BindOptions ??= {});
  const tmpfsOptions = () => (m.TmpfsOptions ??= {});
  const bool = (key: string, val: string, message = `invalid value for ${key}: ${val}`) => {
    const b = goBool(val);
    if (b === undefined) throw new Error(message);
    return b;
  };
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = !isAbsolute(val) && val.startsWith('.') ? resolve(val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = bool(key, val);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = bool(key, val);
        warn('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
        break;
      case 'bind-recursive':
        if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = bool(key, val, `invalid value for volume-nocopy: ${val}`);
        break;
      case 'volume-label':
        setKeyValue((volumeOptions().Labels ??= {}), val);
        break;
      case 'volume-driver':
        volumeOptions().DriverConfig!.Name = val;
        break;
      case 'volume-opt':
        setKeyValue((volumeOptions().DriverConfig!.Options ??= {}), val);
        break;
      case 'image-subpath':
        (m.ImageOptions ??= {}).Subpath = val;
        break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = parseBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = parseInt(val, 8);
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === '') throw new Error('type is required');
  if (m.Target === '') throw new Error('target is required');
  const mixed = [
    [m.VolumeOptions, 'volume'],
    [m.ImageOptions, 'image'],
    [m.BindOptions, 'bind'],
    [m.TmpfsOptions, 'tmpfs'],
  ] as const;
  for (const [opts, type] of mixed) if (opts && m.Type !== type) throw new Error(`cannot mix '${type}-*' options with mount type '${m.Type}'`);
  const b = m.BindOptions;
  if (b?.ReadOnlyNonRecursive && !m.ReadOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (b?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (b.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  return m;
}

/** --mount type=...,source=...,target=...: a flag value error, as pflag reports it. */
export function parseMountFlag(value: string, warn: (line: string) => void = () => undefined): MountSpec {
  try {
    return mountFromCsv(value, warn);
  } catch (err) {
    // pflag quotes the value as Go's %q does.
    throw new UsageError(`invalid argument ${JSON.stringify(value)} for "--mount" flag: ${(err as Error).message}`);
  }
}

/** -v values split as docker's CLI does: with a source they are binds (HostConfig.Binds), without one anonymous volumes (Config.Volumes). */
export function splitVolumeFlags(values: string[]): { binds: string[]; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const spec of values) {
    if (spec === '') throw invalidArgument('invalid empty volume spec');
    if (spec.length <= 2) {
      volumes[spec] = {};
      continue;
    }
    // ParseVolume's colon rules (a one-letter drive prefix aside, which Linux has no use for).
    const parts = spec.split(':');
    if (parts.some((p) => p === '')) throw invalidArgument(`invalid spec: ${spec}: empty section between colons`);
    if (parts.length > 3) throw invalidArgument(`invalid spec: ${spec}: too many colons`);
    if (parts.length === 1) {
      volumes[spec] = {};
      continue;
    }
    const [host = '', ...rest] = parts;
    // A relative bind source ("./data") is made absolute here, as docker's CLI does.
    binds.push(host.startsWith('.') ? [resolve(host), ...rest].join(':') : spec);
  }
  return { binds, volumes };
}

/** Go's path.Clean. */
const goClean = (p: string) => {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
};

/** --device HOST[:CONTAINER][:PERMISSIONS], checked and split as docker's CLI does for a Linux engine. */
export function parseDeviceFlag(value: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const validMode = (mode: string) => mode !== '' && [...mode].every((c, i) => 'rwm'.includes(c) && mode.indexOf(c) === i);
  const split = value.split(':');
  if (split.length > 3 || split[0] === '') throw invalidArgument(`bad format for path: ${value}`);
  let containerPath = split[0]!;
  if (split.length === 2 && !validMode(split[1]!)) containerPath = split[1]!;
  if (split.length === 3) {
    containerPath = split[1]!;
    if (!validMode(split[2]!)) throw invalidArgument(`bad mode specified: ${split[2]}`);
  }
  if (!posix.isAbsolute(containerPath)) throw invalidArgument(`${containerPath} is not an absolute path`);
  let permissions = 'rwm';
  let dst = '';
  if (split.length === 3) permissions = split[2]!;
  if (split.length >= 2) {
    if (validMode(split[1]!)) permissions = split[1]!;
    else dst = split[1]!;
  }
  const src = split.length === 1 || (split.length === 2 && validMode(split[1]!)) ? goClean(split[0]!) : split[0]!;
  return { PathOnHost: src, PathInContainer: dst ? (split.length === 2 ? goClean(dst) : dst) : src, CgroupPermissions: permissions };
}
