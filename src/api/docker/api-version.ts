// The Docker Engine API versions the server speaks (the engine's range), and dockerd's checks of them.
import { invalidArgument } from '../../errdefs/index.js';
import { ENGINE_API_VERSION, ENGINE_MIN_API_VERSION } from '../../engine/version.js';

export const MIN_API_VERSION = ENGINE_MIN_API_VERSION;
export const MAX_API_VERSION = ENGINE_API_VERSION;

/** Compares dotted versions numerically ("1.9" < "1.10"), as docker's versions package does. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = Number(pa[i] ?? 0) - Number(pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** dockerd's version middleware: the request's version, or a 400 with its texts. */
export function checkApiVersion(version: string): void {
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalidArgument(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(version, MAX_API_VERSION) > 0) {
    throw invalidArgument(`client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}`);
  }
}
