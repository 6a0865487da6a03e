// The pods' CNI network, as containerd and CRI-O pick it: the first file
// (lexicographically) named *.conflist, *.conf or *.json in the conf dir. A
// missing or empty dir means no CNI (pods go on the engine's bridge); a first
// file that does not parse is an error, not a reason to look further.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CniConfList, CniPluginConf } from '../../network/cni/types.js';

export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_CNI_BIN_DIRS = ['/usr/lib/cni'];

export type PodNetworkConf =
  | { kind: 'none' }
  | { kind: 'cni'; file: string; conf: CniConfList }
  | { kind: 'invalid'; file: string; error: string };

const CONF_EXTENSIONS = ['.conflist', '.conf', '.json'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkPlugin(p: unknown, where: string): CniPluginConf {
  if (!isObject(p) || typeof p.type !== 'string' || p.type === '') throw new Error(`${where}: plugin has no "type"`);
  return p as CniPluginConf;
}

/** A conflist as is, or a single-plugin .conf/.json wrapped as one (as libcni does). */
export function parseNetworkConf(text: string, file: string): CniConfList {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(v)) throw new Error(`${file}: not a JSON object`);
  if (typeof v.name !== 'string' || v.name === '') throw new Error(`${file}: no network "name"`);
  if (typeof v.cniVersion !== 'string') throw new Error(`${file}: no "cniVersion"`);
  if (file.endsWith('.conflist')) {
    if (!Array.isArray(v.plugins) || v.plugins.length === 0) throw new Error(`${file}: "plugins" must be a non-empty list`);
    v.plugins.forEach((p, i) => checkPlugin(p, `${file}: plugins[${i}]`));
    return v as CniConfList;
  }
  const { name, cniVersion, ...plugin } = v;
  return { name, cniVersion, plugins: [checkPlugin(plugin, file)] };
}

/** Read afresh on every call, so a changed conf dir takes effect on the next pod (and Status). */
export async function loadPodNetworkConf(confDir: string): Promise<PodNetworkConf> {
  let names: string[];
  try {
    names = await readdir(confDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw err;
  }
  const first = names.filter((n) => CONF_EXTENSIONS.some((e) => n.endsWith(e))).sort()[0];
  if (!first) return { kind: 'none' };
  const file = join(confDir, first);
  try {
    return { kind: 'cni', file, conf: parseNetworkConf(await readFile(file, 'utf8'), file) };
  } catch (err) {
    return { kind: 'invalid', file, error: (err as Error).message };
  }
}
