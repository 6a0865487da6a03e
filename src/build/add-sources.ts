// ADD's extras over COPY: a local tar archive (plain, gzip, bzip2, xz) is
// unpacked into the destination, and a URL is downloaded into it (offline
// that is an error naming the URL). Everything else is COPY's rules.
import { lstat, open, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join, posix } from 'node:path';
import { invalidArgument, unavailable } from '../errdefs/index.js';
import { cleanSource, selectSources, type SourceFile } from './copy-sources.js';
import type { IgnorePattern } from './dockerignore.js';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true; // gzip
    if (bytesRead >= 3 && head.subarray(0, 3).toString() === 'BZh') return true;
    if (bytesRead >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true; // xz
    return bytesRead >= 262 && head.subarray(257, 262).toString() === 'ustar';
  } finally {
    await fh.close();
  }
}

function untar(archive: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('tar', ['-xf', archive, '-C', into, '--no-same-permissions'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(invalidArgument(`ADD failed to unpack ${posix.basename(archive)}: ${err.trim()}`))));
  });
}

export async function addSources(contextDir: string, sources: string[], dest: string, ignore: readonly IgnorePattern[], destIsDir: boolean, tempDir: () => Promise<string>): Promise<SourceFile[]> {
  if (sources.length > 1 && !destIsDir) throw invalidArgument('When using ADD with more than one source file, the destination must be a directory and end with a /');
  const files: SourceFile[] = [];
  for (const src of sources) {
    if (isUrl(src)) {
      const dir = await tempDir();
      const name = posix.basename(new URL(src).pathname) || 'index.html';
      let body: Buffer;
      try {
        const res = await fetch(src);
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        body = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw unavailable(`failed to fetch ${src}: ${(err as Error).message}${(err as Error).cause ? `: ${((err as Error).cause as Error).message}` : ''}`);
      }
      await writeFile(join(dir, name), body, { mode: 0o600 });
      files.push(...(await selectSources(dir, [name], dest, [], destIsDir, 'ADD')));
      continue;
    }
    const clean = cleanSource(src);
    if (!/[*?[]/.test(clean) && (await isArchive(join(contextDir, clean)))) {
      const dir = await tempDir();
      await untar(join(contextDir, clean), dir);
      const unpacked = await selectSources(dir, ['.'], dest.endsWith('/') ? dest : `${dest}/`, [], true, 'ADD');
      for (const f of unpacked) {
        const st = await lstat(f.abs);
        files.push({ ...f, owner: { uid: st.uid, gid: st.gid } });
      }
      continue;
    }
    files.push(...(await selectSources(contextDir, [src], dest, ignore, destIsDir || sources.length > 1, 'ADD')));
  }
  return files;
}
