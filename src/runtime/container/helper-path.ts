// Where the native helper is; its own module so the library's entry need not load the spawning code.
import { nativeBinary } from '../../sys/install-paths.js';

/** The helper built in the install root (GANTRY_INIT_PATH overrides it). */
export function helperPath(): string {
  return process.env.GANTRY_INIT_PATH ?? nativeBinary('gantry-init');
}
