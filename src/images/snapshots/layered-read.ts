// Reads a file the way an overlay mount of a snapshot's layers would show it,
// without mounting (the engine reads the image's /etc/passwd before the monitor
// mounts the rootfs). Per path component, the topmost layer holding the name
// decides: a whiteout (a 0/0 char device, or a .wh.<name> file) hides it, a
// non-directory hides the layers below, directories merge down to an opaque one
// (.wh..wh..opq inside). A symlinked component is not followed (the caller treats
// the file as absent, as it does in a mounted rootfs).
//
// overlayfs also marks opaque directories with the trusted.overlay.opaque xattr,
// which Node cannot read. So when the answer comes from below a directory that
// could carry it, the result is UNDECIDED and the caller mounts and reads instead.
// The root of the top layer is never opaque (overlayfs does not mark an upper
// dir's root), which keeps a fresh container over a one-layer image decided.
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export const UNDECIDED = Symbol('undecided');

const lstatOrUndefined = (p: string): Stats | undefined => lstatSync(p, { throwIfNoEntry: false });
const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/** The file at `rel` in the union of `layers` (top first); undefined when the union has no such regular file. */
export function readFileInLayers(layers: string[], rel: string): string | undefined | typeof UNDECIDED {
  const parts = rel.split('/').filter(Boolean);
  // The directories (one per contributing layer, top first) that make up the current merged directory.
  let merged = layers.map((dir, i) => ({ dir, mayBeOpaque: i > 0 }));
  for (const [depth, name] of parts.entries()) {
    const last = depth === parts.length - 1;
    const below: typeof merged = [];
    let first: Stats | undefined;
    for (const [i, { dir }] of merged.entries()) {
      if (lstatOrUndefined(join(dir, `.wh.${name}`))) break;
      const path = join(dir, name);
      const st = lstatOrUndefined(path);
      if (!st) continue;
      if (isWhiteout(st)) break;
      if (!first) {
        // A directory above could hide this layer by the opaque xattr.
        if (merged.slice(0, i).some((m) => m.mayBeOpaque)) return UNDECIDED;
        first = st;
        if (st.isSymbolicLink()) return undefined;
        if (last) return st.isFile() ? readFileSync(path, 'utf8') : undefined;
        if (!st.isDirectory()) return undefined;
      } else if (!st.isDirectory()) {
        break;
      }
      below.push({ dir: path, mayBeOpaque: true });
      if (lstatOrUndefined(join(path, '.wh..wh..opq'))) break;
    }
    if (!first) return undefined;
    merged = below;
  }
  return undefined;
}
