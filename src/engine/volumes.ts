// Named volumes (<root>/volumes/<name>/_data + volume.json) and the parsing of
// -v/--mount/--tmpfs into mounts, with docker's wording for bad specs.
import { mkdir, readFile, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, notFound } from '../errdefs/index.js';
import type { MountSpec } from './docker-types.js';

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
    await this.get(name);
    if (usedBy.length) throw conflict(`remove ${name}: volume is in use - [${usedBy.join(', ')}]`);
    await rm(join(this.dir, name), { recursive: true, force: true });
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

/** -v SRC:DST[:OPTS] or -v DST (anonymous volume). */
export function parseVolumeFlag(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`invalid spec: ${spec}: empty section between colons`);
  if (parts.length === 1) {
    if (!isAbsolute(parts[0]!)) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "volume": invalid mount path: '${parts[0]}' mount path must be absolute`);
    return { Type: 'volume', Target: parts[0]! };
  }
  const [src, dst, opts = ''] = parts as [string, string, string?];
  if (!isAbsolute(dst)) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "${isAbsolute(src) ? 'bind' : 'volume'}": invalid mount path: '${dst}' mount path must be absolute`);
  let readOnly = false;
  let propagation: string | undefined;
  for (const o of opts.split(',').filter(Boolean)) {
    if (o === 'ro') readOnly = true;
    else if (o === 'rw') readOnly = false;
    else if (/^r?(shared|slave|private)$/.test(o)) propagation = o;
    else if (o === 'z' || o === 'Z' || o === 'nocopy' || o === 'consistent' || o === 'cached' || o === 'delegated') continue;
    else throw invalidArgument(`invalid mode: ${o}`);
  }
  if (isAbsolute(src)) return { Type: 'bind', Source: src, Target: dst, ReadOnly: readOnly, ...(propagation ? { BindOptions: { Propagation: propagation } } : {}) };
  if (!VOLUME_NAME_RE.test(src)) throw invalidArgument(`create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  return { Type: 'volume', Source: src, Target: dst, ReadOnly: readOnly };
}

/** --mount type=bind,source=/a,target=/b,readonly ... (csv of key=value). */
export function parseMountFlag(spec: string): MountSpec {
  let type: MountSpec['Type'] = 'volume';
  const m: Partial<MountSpec> & { Target?: string } = {};
  const tmpfs: { SizeBytes?: number; Mode?: number } = {};
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case 'type':
        if (value !== 'bind' && value !== 'volume' && value !== 'tmpfs') throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: unexpected mount type "${value}"`);
        type = value;
        break;
      case 'source':
      case 'src':
        m.Source = value;
        break;
      case 'target':
      case 'destination':
      case 'dst':
        m.Target = value;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = value === undefined || value === 'true' || value === '1';
        break;
      case 'bind-propagation':
        m.BindOptions = { Propagation: value };
        break;
      case 'tmpfs-size':
        tmpfs.SizeBytes = Number(value);
        break;
      case 'tmpfs-mode':
        tmpfs.Mode = parseInt(value ?? '', 8);
        break;
      case 'volume-nocopy':
        m.VolumeOptions = { NoCopy: true };
        break;
      default:
        throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: target is required`);
  if (type === 'bind' && !m.Source) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: source is required when specifying volume-driver`);
  return { ...m, Type: type, Target: m.Target, ...(type === 'tmpfs' && (tmpfs.SizeBytes || tmpfs.Mode) ? { TmpfsOptions: tmpfs } : {}) };
}
