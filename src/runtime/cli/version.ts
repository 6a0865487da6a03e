// `gantry-runtime --version`: exactly three lines, because go-runc's older
// parser requires three and splits the first on "version ", the newer one
// reads "commit: " and "spec: " prefixes, and podman shows the text as is.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OCI_VERSION } from '../../oci/runtime-spec.js';

export const RUNTIME_NAME = 'gantry-runtime';
export const RUNTIME_VERSION = '0.1.0';

/** The checkout's commit when run from a git tree, else "unknown" (installed copies). */
export function gitCommit(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return execFileSync('git', ['-C', join(here, '..'), 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function versionText(commit = gitCommit()): string {
  return `${RUNTIME_NAME} version ${RUNTIME_VERSION}\ncommit: ${commit}\nspec: ${OCI_VERSION}\n`;
}
