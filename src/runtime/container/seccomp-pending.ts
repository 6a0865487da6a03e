// TEMPORARY: stands in for runtime/seccomp (being written in parallel); removed when it lands.
import type { LinuxSeccomp } from '../../oci/runtime-spec.js';
import { notImplemented } from '../../errdefs/index.js';

export function compileSeccomp(_profile: LinuxSeccomp): { program: Buffer; flags: number } {
  throw notImplemented('linux.seccomp: the seccomp compiler is not available yet');
}
