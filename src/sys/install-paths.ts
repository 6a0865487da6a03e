// Where Gantry's own files are (native helpers, the CLI entry), found from this
// module's location by walking up to the install root, so the paths hold both for
// the compiled modules (dist/src/...) and for bundles placed elsewhere under dist/.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function installRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`cannot find Gantry's install root above ${fileURLToPath(import.meta.url)}`);
  }
}

/** A binary built from native/<name>/ by `npm run build`. */
export const nativeBinary = (name: string) => join(installRoot(), 'native', 'build', name);

/** The `gantry` command line's entry, for commands the monitor runs: the bundle unless the modules are newer (as bin/gantry decides). */
export function cliEntry(): string {
  const dir = join(installRoot(), 'dist', 'src', 'cli');
  const mtime = (f: string) => statSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return join(dir, mtime('gantry.cjs') > mtime('main.js') ? 'launch.cjs' : 'main.js');
}
