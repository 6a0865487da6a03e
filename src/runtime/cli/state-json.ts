// runc's containerState JSON, with its field order (callers diff and golden-test it).
import type { ContainerState } from '../api.js';

export function stateJson(s: ContainerState): ContainerState {
  return {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: s.pid,
    status: s.status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    ...(s.annotations && Object.keys(s.annotations).length > 0 ? { annotations: s.annotations } : {}),
    owner: s.owner,
  };
}
