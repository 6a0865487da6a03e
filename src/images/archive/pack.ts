// Writes a directory as a layer tar: sorted (deterministic), PAX for long names
// and xattrs, hardlinks found by inode, devices and fifos. In "overlay" mode the
// directory is an overlay upper/diff dir and its whiteouts are turned back into
// .wh. entries.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { OPAQUE_WHITEOUT, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX, type WhiteoutMode } from './apply.js';
import { TarWriter, type TarWriteHeader } from './tar-writer.js';
import { readTreeXattrs } from './xattrs.js';

const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => (rdev & 0xff) | Number((BigInt(rdev) >> 12n) & ~0xffn);

export function packDirectory(dir: string, opts: { whiteouts?: WhiteoutMode } = {}): Readable {
  const tar = new TarWriter();
  const overlay = opts.whiteouts === 'overlay';

  const run = async () => {
    const xattrs = await readTreeXattrs(dir);
    const inodes = new Map<string, string>();
    const walk = async (abs: string, rel: string): Promise<void> => {
      for (const name of (await readdir(abs)).sort()) {
        const path = `${abs}/${name}`;
        const entryName = rel === '' ? name : `${rel}/${name}`;
        const st = await lstat(path);
        const mtime = Math.floor(st.mtimeMs / 1000);
        const attrs = new Map([...(xattrs.get(path) ?? [])].filter(([k]) => !k.startsWith('trusted.overlay.')));
        const base: Omit<TarWriteHeader, 'type'> = { name: entryName, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime, xattrs: attrs };
        if (overlay && st.isCharacterDevice() && st.rdev === 0) {
          const wh = (rel === '' ? '' : rel + '/') + WHITEOUT_PREFIX + name;
          await tar.entry({ name: wh, type: 'file', mode: 0o644, mtime }, Buffer.alloc(0));
          continue;
        }
        if (st.nlink > 1 && !st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          const first = inodes.get(key);
          if (first !== undefined) {
            await tar.entry({ ...base, type: 'link', linkname: first });
            continue;
          }
          inodes.set(key, entryName);
        }
        if (st.isDirectory()) {
          await tar.entry({ ...base, name: entryName + '/', type: 'directory' });
          if (overlay && xattrs.get(path)?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
            await tar.entry({ name: `${entryName}/${OPAQUE_WHITEOUT}`, type: 'file', mode: 0o644, mtime }, Buffer.alloc(0));
          }
          await walk(path, entryName);
        } else if (st.isFile()) {
          await tar.entry({ ...base, type: 'file', size: st.size }, st.size > 0 ? createReadStream(path) : Buffer.alloc(0));
        } else if (st.isSymbolicLink()) {
          await tar.entry({ ...base, type: 'symlink', linkname: await readlink(path) });
        } else if (st.isCharacterDevice() || st.isBlockDevice()) {
          await tar.entry({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
        } else if (st.isFIFO()) {
          await tar.entry({ ...base, type: 'fifo' });
        } // sockets are not archived (docker skips them too)
      }
    };
    await walk(dir, '');
    await tar.finish();
  };
  run().catch((err: Error) => tar.stream.destroy(err));
  return tar.stream;
}
