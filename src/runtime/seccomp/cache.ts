// Compiled filters cached by the hash of the canonical profile, so starting many
// containers with the same profile compiles it once.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxSeccomp } from '../../oci/runtime-spec.js';
import { compileSeccomp, type CompiledSeccomp } from './compile.js';

/** JSON with object keys sorted, so equal profiles hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** File layout: u32 LE flags, then the sock_filter array. */
export async function compileSeccompCached(profile: LinuxSeccomp, cacheDir: string, opts?: { arch?: string }): Promise<CompiledSeccomp> {
  const key = createHash('sha256').update(canonicalJson({ profile, arch: opts?.arch ?? process.arch, format: 1 })).digest('hex');
  const path = join(cacheDir, `${key}.bpf`);
  try {
    // Synchronous: a ~14 KB read on every create, where async is four thread-pool round trips.
    const data = readFileSync(path);
    if (data.length >= 12 && (data.length - 4) % 8 === 0) return { flags: data.readUInt32LE(0), program: data.subarray(4) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const compiled = compileSeccomp(profile, opts);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(compiled.flags >>> 0);
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, Buffer.concat([header, compiled.program]), { flush: true });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return compiled;
}
