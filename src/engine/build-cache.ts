// The build cache's index: cache key (parent + instruction + file checksums)
// → the image a step made. The images themselves are ordinary image records,
// so GC keeps their layers; this index is how `images` hides them (docker's
// intermediate images), how `system df` counts them as Build Cache and how
// `builder prune` finds them. One JSON file under the engine root, replaced
// atomically; concurrent builds may lose an entry, never corrupt the file.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildCacheEntry {
  imageId: string;
  createdAt: string;
  lastUsedAt: string;
  usageCount: number;
  /** The instruction, for system df -v's Description. */
  description: string;
}

export class BuildCacheIndex {
  private readonly path: string;

  constructor(root: string) {
    this.path = join(root, 'builder', 'cache.json');
  }

  entries(): Record<string, BuildCacheEntry> {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, BuildCacheEntry>;
    } catch {
      return {};
    }
  }

  /** The cached image ID of a key, marking it used. */
  use(key: string): string | undefined {
    const all = this.entries();
    const e = all[key];
    if (!e) return undefined;
    e.lastUsedAt = new Date().toISOString();
    e.usageCount++;
    this.save(all);
    return e.imageId;
  }

  put(key: string, imageId: string, description: string): void {
    const all = this.entries();
    const now = new Date().toISOString();
    all[key] = { imageId, createdAt: now, lastUsedAt: now, usageCount: 0, description };
    this.save(all);
  }

  /** Forgets keys (all when none given); returns the entries dropped. */
  drop(keys?: readonly string[]): [string, BuildCacheEntry][] {
    const all = this.entries();
    const gone = Object.entries(all).filter(([k]) => !keys || keys.includes(k));
    for (const [k] of gone) delete all[k];
    this.save(all);
    return gone;
  }

  imageIds(): Set<string> {
    return new Set(Object.values(this.entries()).map((e) => e.imageId));
  }

  private save(all: Record<string, BuildCacheEntry>): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
