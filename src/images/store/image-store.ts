// Image metadata: images keyed by ID (the config digest) with their platform
// manifest, tags (normalized references) and repo digests, in one JSON document
// changed only under a lock and written atomically. An image whose last tag moves
// elsewhere stays as a dangling image until pruned or removed.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../../oci/digest.js';
import type { Descriptor } from '../../oci/image-spec.js';
import type { ImageStoreWriter, RecordImageRequest } from '../unpack-api.js';
import { writeFileAtomic } from './atomic-file.js';
import { FileLock } from './lock.js';

export interface StoredImage {
  id: Digest;
  manifest: Descriptor;
  /** Normalized references with tag: docker.io/library/busybox:latest. */
  tags: string[];
  /** Normalized name@digest. */
  digests: string[];
  /** When the image was first stored. */
  added: string;
  lastTagTime?: string;
}

interface Document {
  version: 1;
  images: Record<string, StoredImage>;
}

const repoOf = (ref: string) => ref.slice(0, ref.lastIndexOf('@') > 0 ? ref.lastIndexOf('@') : ref.lastIndexOf(':'));

export class ImageStore implements ImageStoreWriter {
  private readonly file: string;
  private readonly lock: FileLock;

  constructor(readonly root: string) {
    this.file = join(root, 'images.json');
    this.lock = new FileLock(join(root, 'images.lock'));
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  private async read(): Promise<Document> {
    try {
      // Synchronous: one small file read on every image lookup; async would be four thread-pool round trips.
      return JSON.parse(readFileSync(this.file, 'utf8')) as Document;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, images: {} };
      throw new Error(`read image metadata ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Runs a read-modify-write under the lock; `fn` returns a value and may change the document. */
  async update<T>(fn: (images: Record<string, StoredImage>) => T | Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const doc = await this.read();
      const before = JSON.stringify(doc);
      const out = await fn(doc.images);
      const after = JSON.stringify(doc);
      if (after !== before) await writeFileAtomic(this.file, after);
      return out;
    });
  }

  async list(): Promise<StoredImage[]> {
    return Object.values((await this.read()).images);
  }

  async get(id: string): Promise<StoredImage | undefined> {
    return (await this.read()).images[id];
  }

  /** Adds an image (or updates its manifest) and moves `name` to it. */
  async recordImage(r: RecordImageRequest): Promise<{ moved: boolean }> {
    const now = new Date().toISOString();
    return this.update((images) => {
      const img = (images[r.configDigest] ??= { id: r.configDigest, manifest: r.manifest, tags: [], digests: [], added: now });
      const moved = r.name !== undefined ? !img.tags.includes(r.name) : r.repoDigest !== undefined && !img.digests.includes(r.repoDigest);
      img.manifest = r.manifest;
      if (r.name !== undefined) setTag(images, img, r.name, now);
      if (r.repoDigest !== undefined) {
        // One digest per repository, like docker: a newer pull replaces it.
        const repo = repoOf(r.repoDigest);
        for (const other of Object.values(images)) other.digests = other.digests.filter((d) => d !== r.repoDigest);
        img.digests = [...img.digests.filter((d) => repoOf(d) !== repo), r.repoDigest];
      }
      return { moved };
    });
  }
}

/** Moves tag `name` onto img (removing it from whichever image had it). */
export function setTag(images: Record<string, StoredImage>, img: StoredImage, name: string, now: string): void {
  for (const other of Object.values(images)) other.tags = other.tags.filter((t) => t !== name);
  img.tags.push(name);
  img.lastTagTime = now;
}
