// ContainerStats' writable_layer: the bytes and entries of the container's
// writable snapshot on the snapshots filesystem, the mountpoint ImageFsInfo
// reports (the kubelet matches the two to account a pod's ephemeral storage).
// The kubelet asks for every container every ~10 s and more than one RPC
// (ListContainerStats, ListPodSandboxStats) each time, so a walk is shared by
// the calls of a few seconds.
import { join } from 'node:path';
import { isNotFound } from '../../errdefs/index.js';
import type { CriContext } from './types.js';
import { nowNs } from './time.js';

/** How long one walk of a writable layer answers for. */
const FRESH_MS = 5000;

interface Walk {
  at: number;
  ts: string;
  usage: Promise<{ bytes: number; inodes: number }>;
}

const walksOf = new WeakMap<CriContext, Map<string, Walk>>();

/** The filesystem of the image layers and the containers' writable layers. */
export function snapshotsMountpoint(root: string): string {
  return join(root, 'snapshots');
}

/** The CRI's FilesystemUsage of the container's writable layer; null without a local engine. */
export async function writableLayer(ctx: CriContext, id: string) {
  const loc = ctx.engine.location;
  const containers = ctx.engine.containers;
  if (loc.kind !== 'local' || !containers.writableLayer) return null;
  const walks = walksOf.get(ctx) ?? new Map<string, Walk>();
  walksOf.set(ctx, walks);
  const now = Date.now();
  for (const [key, w] of walks) if (now - w.at > FRESH_MS) walks.delete(key);
  let walk = walks.get(id);
  if (!walk) {
    const started: Walk = { at: now, ts: nowNs(), usage: containers.writableLayer(id) };
    walks.set(id, started);
    // A failed walk is not kept.
    started.usage.catch(() => walks.get(id) === started && walks.delete(id));
    walk = started;
  }
  // The container removed between its listing and here has no layer left to report.
  const usage = await walk.usage.catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (!usage) return null;
  const { bytes, inodes } = usage;
  return { timestamp: walk.ts, fs_id: { mountpoint: snapshotsMountpoint(loc.root) }, used_bytes: { value: String(bytes) }, inodes_used: { value: String(inodes) } };
}
