// Where the native helper is; its own module so the library's entry need not load the spawning code.
import { fileURLToPath } from 'node:url';

/** The helper in the checkout; the runtime CLI's bundle (dist/src/runtime/cli/) sits at this module's depth, so the path holds there too. */
export function helperPath(): string {
  return process.env.GANTRY_INIT_PATH ?? fileURLToPath(new URL('../../../../native/build/gantry-init', import.meta.url));
}
