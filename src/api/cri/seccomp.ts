// The CRI's seccomp choice (SecurityProfile, else the deprecated
// seccomp_profile_path) as the engine's SecurityOpt entry. Nothing asked is
// Unconfined, as the kubelet means it; RuntimeDefault is the engine's default
// profile; Localhost is a docker-format profile file on the host, read and
// checked here so CreateContainer fails on a missing or invalid one.
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { dockerSeccompProfile } from '../../engine/spec/seccomp-profile.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { SecurityProfile } from './types.js';

async function localhostProfile(path: string): Promise<string> {
  if (!isAbsolute(path)) throw invalidArgument(`seccomp profile localhost path must be absolute: "${path}"`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw invalidArgument(`cannot load seccomp profile "${path}": ${(err as Error).message}`);
  }
  try {
    dockerSeccompProfile(text, { capabilities: [] });
  } catch (err) {
    throw invalidArgument(`seccomp profile "${path}": ${(err as Error).message}`);
  }
  return `seccomp=${JSON.stringify(JSON.parse(text))}`;
}

/** The SecurityOpt entry: "seccomp=unconfined", "seccomp=builtin" or "seccomp=<profile JSON>". */
export async function seccompSecurityOpt(sc: { privileged: boolean; seccomp: SecurityProfile | null; seccomp_profile_path: string } | null | undefined): Promise<string> {
  if (!sc || sc.privileged) return 'seccomp=unconfined';
  if (sc.seccomp) {
    switch (sc.seccomp.profile_type) {
      case 'RuntimeDefault':
        return 'seccomp=builtin';
      case 'Unconfined':
        return 'seccomp=unconfined';
      case 'Localhost':
        return localhostProfile(sc.seccomp.localhost_ref);
    }
  }
  const path = sc.seccomp_profile_path;
  if (path === '' || path === 'unconfined') return 'seccomp=unconfined';
  if (path === 'runtime/default' || path === 'docker/default') return 'seccomp=builtin';
  if (path.startsWith('localhost/')) return localhostProfile(path.slice('localhost/'.length));
  throw invalidArgument(`unsupported seccomp profile "${path}"`);
}
