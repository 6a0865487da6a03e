// Reading and writing cgroupfs control files with runc-style error texts.
import type { HostFs } from '../../sys/host-fs.js';
import { invalidArgument, notFound, permissionDenied, failedPrecondition, internal } from '../../errdefs/index.js';

export const errnoCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** The kernel's "unlimited" for page-counter files on 64-bit (LONG_MAX rounded down to a page). */
export const V1_UNLIMITED = 9223372036854771712;

/** Writes one value; the error names the file and the value, as runc's does. */
export async function writeCgroupFile(fs: HostFs, dir: string, file: string, value: string | number): Promise<void> {
  const path = `${dir}/${file}`;
  const data = String(value);
  try {
    await fs.writeFile(path, data);
  } catch (err) {
    const msg = `failed to write ${JSON.stringify(data)} to ${JSON.stringify(path)}: ${(err as Error).message}`;
    switch (errnoCode(err)) {
      case 'EINVAL':
      case 'ERANGE':
        throw invalidArgument(msg, err);
      case 'EBUSY':
        throw failedPrecondition(msg, err);
      case 'ENOENT':
        throw notFound(msg, err);
      case 'EPERM':
      case 'EACCES':
        throw permissionDenied(msg, err);
      default:
        throw internal(msg, err);
    }
  }
}

export async function readCgroupFile(fs: HostFs, dir: string, file: string): Promise<string> {
  return (await fs.readFile(`${dir}/${file}`)).trim();
}

/** Missing files read as undefined: stats tolerate controllers the kernel lacks. */
export async function readOptional(fs: HostFs, dir: string, file: string): Promise<string | undefined> {
  try {
    return await readCgroupFile(fs, dir, file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTSUP' || errnoCode(err) === 'EOPNOTSUPP') return undefined;
    throw err;
  }
}

/** Entries of a cgroup directory; a removed cgroup has none. */
export async function readdirOptional(fs: HostFs, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** A number, with "max" (v2 unlimited) as the v1 unlimited value; missing as 0. */
export function parseCounter(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (text === 'max') return V1_UNLIMITED;
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

export async function readCounter(fs: HostFs, dir: string, file: string): Promise<number> {
  return parseCounter(await readOptional(fs, dir, file));
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, cgroup.events). */
export function parseKeyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = parseCounter(value);
  }
  return out;
}

export async function readKeyValues(fs: HostFs, dir: string, file: string): Promise<Record<string, number>> {
  return parseKeyValues(await readOptional(fs, dir, file));
}

/** Rejects values that no cgroup file accepts before touching the host. */
export function requireInteger(file: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`invalid value ${JSON.stringify(String(value))} for ${file}: must be an integer in [${min}, ${max}]`);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
