// ImageFsInfo: the bytes the image layers take, on the store's snapshots
// filesystem (the kubelet's image GC thresholds read it).
import { notImplemented } from '../../errdefs/index.js';
import { nowNs } from './time.js';
import type { Rpc } from './types.js';
import { snapshotsMountpoint } from './writable-layer.js';

export const imageFsInfo: Rpc<Record<string, never>, object> = async (ctx) => {
  const loc = ctx.engine.location;
  if (loc.kind !== 'local') throw notImplemented('ImageFsInfo needs the local engine');
  const df = await ctx.engine.system.df({ type: ['image'] });
  const usage = { timestamp: nowNs(), fs_id: { mountpoint: snapshotsMountpoint(loc.root) }, used_bytes: { value: String(df.LayersSize) }, inodes_used: { value: '0' } };
  return { image_filesystems: [usage], container_filesystems: [] };
};
