// The content store: blobs addressed by sha256 under <root>/blobs/sha256/<hex>,
// written only through verified, atomic commits of ingests kept under
// <root>/ingest/<ref>/ (data, ref, lock), which survive interruptions for resume.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GantryError, failedPrecondition, invalidArgument, notFound, wrap } from '../../errdefs/index.js';
import { parseDigest, sha256Digest, type Digest } from '../../oci/digest.js';
import { IngestLocks, lockHeld } from './ingest-lock.js';
import type { BlobInfo, ContentStore, IngestWriter } from './store-api.js';

export type { BlobInfo, ContentStore, IngestWriter } from './store-api.js';

function sha256Hex(digest: Digest): string {
  const { algorithm, encoded } = parseDigest(digest);
  if (algorithm !== 'sha256') throw invalidArgument(`unsupported digest algorithm "${algorithm}" in ${digest}`);
  return encoded;
}

/** Ingest directory names are the ref with anything outside [A-Za-z0-9._-] escaped. */
function ingestDirName(ref: string): string {
  if (ref === '') throw invalidArgument('empty ingest ref');
  return ref.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | undefined)?.code === code;

function storageError(step: string, err: unknown, root: string): GantryError {
  if (isErrno(err, 'ENOSPC')) {
    return new GantryError('unavailable', `${step}: no space left on device (content store ${root})`, { cause: err });
  }
  return wrap(step, err);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

class FileIngest implements IngestWriter {
  private done = false;
  constructor(
    private readonly store: FileContentStore,
    readonly ref: string,
    private readonly dir: string,
    private fh: FileHandle,
    private readonly hash: Hash,
    private written: number,
    private readonly release: () => Promise<void>,
  ) {}

  get offset(): number {
    return this.written;
  }

  async write(chunk: Buffer): Promise<void> {
    this.assertOpen();
    try {
      let pos = 0;
      while (pos < chunk.length) {
        const { bytesWritten } = await this.fh.write(chunk, pos, chunk.length - pos, this.written + pos);
        pos += bytesWritten;
      }
    } catch (err) {
      await this.abort();
      throw storageError(`writing ingest ${this.ref}`, err, this.store.root);
    }
    this.hash.update(chunk);
    this.written += chunk.length;
  }

  async commit(expected: { digest: Digest; size?: number }): Promise<BlobInfo> {
    this.assertOpen();
    const actual: Digest = `sha256:${this.hash.digest('hex')}`;
    if (expected.size !== undefined && expected.size !== this.written) {
      await this.abort();
      throw failedPrecondition(
        `failed to commit ${expected.digest}: unexpected commit size ${this.written}, expected ${expected.size}`,
      );
    }
    if (actual !== expected.digest) {
      await this.abort();
      throw failedPrecondition(`failed to commit ${expected.digest}: unexpected commit digest ${actual}, expected ${expected.digest}`);
    }
    const dataPath = join(this.dir, 'data');
    try {
      await this.fh.sync();
      await this.fh.close();
      const target = this.store.blobPath(expected.digest);
      await mkdir(join(this.store.root, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
      // link() is an exclusive create: a concurrent committer of the same (verified)
      // content leaves the first copy in place.
      await link(dataPath, target).catch((err) => {
        if (!isErrno(err, 'EEXIST')) throw err;
      });
      await fsyncDir(join(this.store.root, 'blobs', 'sha256'));
    } catch (err) {
      await this.abort();
      throw storageError(`committing ${expected.digest}`, err, this.store.root);
    }
    this.done = true;
    await this.removeDir();
    await this.release();
    await rmdir(this.dir).catch(() => {});
    return { digest: expected.digest, size: this.written };
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => {});
    await this.release();
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => {});
    await this.removeDir();
    await this.release();
    // Fails harmlessly when a waiting writer already took the lock.
    await rmdir(this.dir).catch(() => {});
  }

  private async removeDir(): Promise<void> {
    // The lock file goes last (with release) so a waiter never sees a half-removed ingest.
    for (const f of ['data', 'ref']) await unlink(join(this.dir, f)).catch(() => {});
  }

  private assertOpen(): void {
    if (this.done) throw new GantryError('failed-precondition', `ingest ${this.ref} is closed`);
  }
}

class FileContentStore implements ContentStore {
  private readonly locks = new IngestLocks();

  constructor(readonly root: string) {}

  blobPath(digest: Digest): string {
    return join(this.root, 'blobs', 'sha256', sha256Hex(digest));
  }

  private labelsPath(digest: Digest): string {
    return join(this.root, 'labels', 'sha256', `${sha256Hex(digest)}.json`);
  }

  private ingestDir(ref: string): string {
    return join(this.root, 'ingest', ingestDirName(ref));
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.blobPath(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw wrap(`stat blob ${digest}`, err);
    }
  }

  async readBlob(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`content digest ${digest}: not found`);
      throw wrap(`reading blob ${digest}`, err);
    }
  }

  openBlob(digest: Digest, opts: { start?: number } = {}): Readable {
    return createReadStream(this.blobPath(digest), { start: opts.start ?? 0 });
  }

  async putBlob(data: Buffer, expected?: Digest): Promise<BlobInfo> {
    const digest = expected ?? sha256Digest(data);
    if (await this.has(digest)) {
      if (sha256Digest(data) !== digest) {
        throw failedPrecondition(`failed to commit ${digest}: unexpected commit digest ${sha256Digest(data)}, expected ${digest}`);
      }
      return { digest, size: data.length };
    }
    const w = await this.ingest(digest, { digest, size: data.length });
    if (w.offset > 0) {
      await w.abort();
      return this.putBlob(data, digest);
    }
    try {
      await w.write(data);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.commit({ digest, size: data.length });
  }

  async ingest(ref: string, expected: { digest?: Digest; size?: number } = {}): Promise<IngestWriter> {
    const dir = this.ingestDir(ref);
    const release = await this.locks.acquire(ref, join(dir, 'lock'), async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    });
    try {
      await writeFile(join(dir, 'ref'), ref);
      const dataPath = join(dir, 'data');
      const fh = await open(dataPath, 'a+');
      let size = (await fh.stat()).size;
      if (expected.size !== undefined && size > expected.size) {
        await fh.truncate(0);
        size = 0;
      }
      const hash = createHash('sha256');
      if (size > 0) await pipeline(createReadStream(dataPath, { start: 0, end: size - 1 }), hash, { end: false });
      // 'a+' appends on Linux regardless of position: reopen for positional writes.
      await fh.close();
      const wfh = await open(dataPath, 'r+');
      return new FileIngest(this, ref, dir, wfh, hash, size, release);
    } catch (err) {
      await release();
      throw storageError(`opening ingest ${ref}`, err, this.root);
    }
  }

  async delete(digest: Digest): Promise<void> {
    try {
      await unlink(this.blobPath(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`content digest ${digest}: not found`);
      throw wrap(`deleting blob ${digest}`, err);
    }
    await unlink(this.labelsPath(digest)).catch(() => {});
  }

  async labels(digest: Digest): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.labelsPath(digest), 'utf8')) as Record<string, string>;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return {};
      throw wrap(`reading labels of ${digest}`, err);
    }
  }

  async setLabels(digest: Digest, labels: Record<string, string>): Promise<void> {
    const merged = { ...(await this.labels(digest)) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === '') delete merged[k];
      else merged[k] = v;
    }
    const path = this.labelsPath(digest);
    await mkdir(join(this.root, 'labels', 'sha256'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(merged));
    await rename(tmp, path);
  }

  async *list(): AsyncIterable<BlobInfo> {
    const dir = join(this.root, 'blobs', 'sha256');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw wrap('listing blobs', err);
    }
    for (const hex of names.sort()) {
      if (!/^[a-f0-9]{64}$/.test(hex)) continue;
      const st = await stat(join(dir, hex)).catch(() => undefined);
      if (st) yield { digest: `sha256:${hex}`, size: st.size };
    }
  }

  async listIngests(): Promise<{ ref: string; offset: number; updatedAt: Date }[]> {
    const base = join(this.root, 'ingest');
    let names: string[];
    try {
      names = await readdir(base);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw wrap('listing ingests', err);
    }
    const out: { ref: string; offset: number; updatedAt: Date }[] = [];
    for (const name of names.sort()) {
      const dir = join(base, name);
      const ref = await readFile(join(dir, 'ref'), 'utf8').catch(() => undefined);
      const st = await stat(join(dir, 'data')).catch(() => undefined);
      if (ref === undefined || !st) continue;
      out.push({ ref, offset: st.size, updatedAt: st.mtime });
    }
    return out;
  }

  async abortIngest(ref: string): Promise<void> {
    const dir = this.ingestDir(ref);
    if (this.locks.isHeldHere(ref) || (await lockHeld(join(dir, 'lock')))) {
      throw new GantryError('failed-precondition', `ingest ${ref} is in use`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

export function openContentStore(root: string): ContentStore {
  return new FileContentStore(root);
}
