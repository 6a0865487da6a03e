// The entries of an archive being loaded (docker-archive, OCI layout), kept apart
// from the host: regular files are stored under numbered names in a staging dir,
// and every name the archive uses (manifest.json, index.json, Layers, Config,
// blobs/…) is resolved through a table of the archive's own entries, never by a
// host path lookup. A symlink entry may only lead to another entry (docker's
// legacy format links shared layer.tar files across image dirs); a name that
// leaves the archive ("..", absolute, or a symlink pointing out) is an error
// naming it, raised before any data is read.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument, notFound } from '../../errdefs/index.js';
import { readTar, type TarEntryType } from '../archive/tar-reader.js';

type ArchiveNode =
  | { kind: 'file'; path: string }
  | { kind: 'symlink'; target: string }
  | { kind: 'directory' }
  | { kind: 'special'; type: TarEntryType };

const MAX_SYMLINK_HOPS = 40;

const outside = (what: string, name: string, via?: { entry: string; target: string }) =>
  invalidArgument(
    via
      ? `${what} "${name}": symlink entry "${via.entry}" -> "${via.target}" points outside the archive`
      : `${what} "${name}" points outside the archive`,
  );

/** An entry's own name as a key: "./a//b/" is "a/b"; names leaving the archive are refused. */
function entryKey(name: string): string {
  if (name.startsWith('/')) throw outside('archive entry', name);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw outside('archive entry', name);
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

export class ArchiveEntries {
  private constructor(private readonly nodes: Map<string, ArchiveNode>) {}

  /** Reads the (uncompressed) tar on `input`, storing its regular files in `dir` (an empty private dir). */
  static async extract(input: AsyncIterable<Buffer>, dir: string): Promise<ArchiveEntries> {
    const entries = new ArchiveEntries(new Map());
    let n = 0;
    for await (const { header, body } of readTar(input)) {
      const key = entryKey(header.name);
      if (key === '') continue; // the archive's root directory
      switch (header.type) {
        case 'file':
        case 'contiguous-file': {
          const path = join(dir, String(n++));
          // wx: an exclusive create of a name we chose, nothing else is opened.
          await pipeline(Readable.from(body), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
          entries.nodes.set(key, { kind: 'file', path });
          break;
        }
        case 'link':
          // A hardlink names an earlier entry: the same stored file.
          entries.nodes.set(key, { kind: 'file', path: entries.resolve(header.linkname, `hardlink entry "${header.name}" to`) });
          break;
        case 'symlink':
          entries.nodes.set(key, { kind: 'symlink', target: header.linkname });
          break;
        case 'directory':
          entries.nodes.set(key, { kind: 'directory' });
          break;
        default:
          entries.nodes.set(key, { kind: 'special', type: header.type });
      }
    }
    return entries;
  }

  /**
   * The stored file for archive name `name` (what: how the error describes it),
   * following symlink entries inside the archive; undefined if there is no such entry.
   */
  find(name: string, what: string): string | undefined {
    if (name.startsWith('/')) throw outside(what, name);
    const todo = name.split('/');
    const done: string[] = [];
    let via: { entry: string; target: string } | undefined;
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (done.length === 0) throw outside(what, name, via);
        done.pop();
        continue;
      }
      done.push(part);
      const node = this.nodes.get(done.join('/'));
      if (node?.kind !== 'symlink') continue;
      if (++hops > MAX_SYMLINK_HOPS) throw invalidArgument(`${what} "${name}": too many levels of symbolic links`);
      via = { entry: done.join('/'), target: node.target };
      if (node.target.startsWith('/')) throw outside(what, name, via);
      done.pop();
      todo.unshift(...node.target.split('/'));
    }
    const key = done.join('/');
    const node = this.nodes.get(key);
    if (!node) return undefined;
    if (node.kind !== 'file') throw invalidArgument(`${what} "${name}": archive entry "${key}" is not a regular file`);
    return node.path;
  }

  resolve(name: string, what: string): string {
    const path = this.find(name, what);
    if (path === undefined) throw notFound(`${what} "${name}": no such entry in the archive`);
    return path;
  }
}
