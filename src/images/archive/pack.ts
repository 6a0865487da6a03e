// Writes a directory as a layer tar: sorted (deterministic), PAX for long names
// and xattrs (tar-stream switches to PAX by itself), hardlinks found by inode,
// devices and fifos. In "overlay" mode the directory is an overlay upper/diff dir
// and its whiteouts are turned back into .wh. entries.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { OPAQUE_WHITEOUT, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX, type WhiteoutMode } from './apply.js';
import { readTreeXattrs } from './xattrs.js';

const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => (rdev & 0xff) | Number((BigInt(rdev) >> 12n) & ~0xffn);

type PaxHeader = Omit<Header, 'pax'> & { pax?: Record<string, string> };

export function packDirectory(dir: string, opts: { whiteouts?: WhiteoutMode } = {}): Readable {
  const p = pack();
  const overlay = opts.whiteouts === 'overlay';
  const put = (h: Partial<PaxHeader> & { name: string }, body?: Buffer) =>
    new Promise<void>((resolve, reject) =>
      p.entry(h as Header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())),
    );

  const run = async () => {
    const xattrs = await readTreeXattrs(dir);
    const inodes = new Map<string, string>();
    const walk = async (abs: string, rel: string): Promise<void> => {
      const names = (await readdir(abs)).sort();
      for (const name of names) {
        const path = `${abs}/${name}`;
        const entryName = rel === '' ? name : `${rel}/${name}`;
        const st = await lstat(path);
        const base: Partial<PaxHeader> & { name: string } = {
          name: entryName,
          mode: st.mode & 0o7777,
          uid: st.uid,
          gid: st.gid,
          mtime: st.mtime,
        };
        const attrs = [...(xattrs.get(path) ?? new Map<string, Buffer>())].filter(([k]) => !k.startsWith('trusted.overlay.'));
        if (attrs.length > 0) base.pax = Object.fromEntries(attrs.map(([k, v]) => [`SCHILY.xattr.${k}`, v.toString()]));
        if (overlay && st.isCharacterDevice() && st.rdev === 0) {
          await put({ name: (rel === '' ? '' : rel + '/') + WHITEOUT_PREFIX + name, type: 'file', mode: 0o644, mtime: st.mtime });
          continue;
        }
        if (st.nlink > 1 && !st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          const first = inodes.get(key);
          if (first !== undefined) {
            await put({ ...base, type: 'link', linkname: first, size: 0 });
            continue;
          }
          inodes.set(key, entryName);
        }
        if (st.isDirectory()) {
          await put({ ...base, name: entryName + '/', type: 'directory' });
          if (overlay && xattrs.get(path)?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
            await put({ name: `${entryName}/${OPAQUE_WHITEOUT}`, type: 'file', mode: 0o644, mtime: st.mtime });
          }
          await walk(path, entryName);
        } else if (st.isFile()) {
          const sink = p.entry({ ...base, type: 'file', size: st.size } as Header);
          await pipeline(createReadStream(path), sink);
        } else if (st.isSymbolicLink()) {
          await put({ ...base, type: 'symlink', linkname: await readlink(path) });
        } else if (st.isCharacterDevice() || st.isBlockDevice()) {
          await put({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
        } else if (st.isFIFO()) {
          await put({ ...base, type: 'fifo' });
        } // sockets are not archived (docker skips them too)
      }
    };
    await walk(dir, '');
    p.finalize();
  };
  // tar-stream produces a streamx stream: hand callers a node stream.
  const out = new PassThrough();
  p.on('error', (err: Error) => out.destroy(err));
  p.pipe(out);
  run().catch((err: Error) => p.destroy(err));
  return out;
}
