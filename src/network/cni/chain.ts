// Runs a conflist's plugin chain the way libcni does: ADD in order with each
// result fed to the next as prevResult, DEL in reverse with the final result.
// Unlike libcni, the result is persisted after every plugin (not only at the
// end), so a process killed mid-ADD leaves enough behind for a complete DEL.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonIfExists, removeIfExists, writeFileAtomic } from '../fsutil.js';
import { execPlugin } from './exec.js';
import type { CniConfList, CniPluginConf, CniResult, CniRuntimeConfig, CniRuntimeParams } from './types.js';

/** What is cached per attachment (like libcni's /var/lib/cni/results entries). */
export interface CniCacheEntry {
  kind: 'gantry-cni-cache/v1';
  containerId: string;
  ifName: string;
  netns: string;
  config: CniConfList;
  runtimeConfig: CniRuntimeConfig;
  args?: Record<string, string>;
  /** Result of the last plugin that succeeded; undefined before the first. */
  result?: CniResult;
  complete: boolean;
}

export const cacheFile = (cacheDir: string, network: string, containerId: string, ifName: string) =>
  join(cacheDir, `${network}-${containerId}-${ifName}.json`);

function pluginStdin(conf: CniConfList, plugin: CniPluginConf, rt: CniRuntimeConfig, prevResult?: CniResult): object {
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    const v = (rt as Record<string, unknown>)[cap];
    if (on && v !== undefined) runtimeConfig[cap] = v;
  }
  const stdin: Record<string, unknown> = { ...plugin, cniVersion: conf.cniVersion, name: conf.name };
  if (Object.keys(runtimeConfig).length > 0) stdin.runtimeConfig = runtimeConfig;
  if (prevResult) stdin.prevResult = prevResult;
  return stdin;
}

export async function addNetworkList(cacheDir: string, conf: CniConfList, p: CniRuntimeParams, cniPath: string[]): Promise<CniResult> {
  const file = cacheFile(cacheDir, conf.name, p.containerId, p.ifName);
  const entry: CniCacheEntry = {
    kind: 'gantry-cni-cache/v1',
    containerId: p.containerId,
    ifName: p.ifName,
    netns: p.netns,
    config: conf,
    runtimeConfig: p.runtimeConfig,
    args: p.args,
    complete: false,
  };
  // Persist before the first plugin runs so a crash at any point can be undone.
  await writeFileAtomic(file, JSON.stringify(entry), { fsync: false });
  let result: CniResult | undefined;
  for (const plugin of conf.plugins) {
    result = (await execPlugin(plugin.type, {
      command: 'ADD',
      containerId: p.containerId,
      netns: p.netns,
      ifName: p.ifName,
      args: p.args,
      cniPath,
      stdin: pluginStdin(conf, plugin, p.runtimeConfig, result),
    })) as CniResult;
    entry.result = result;
    await writeFileAtomic(file, JSON.stringify(entry), { fsync: false });
  }
  entry.complete = true;
  await writeFileAtomic(file, JSON.stringify(entry));
  if (!result) throw new Error(`network ${conf.name}: conflist has no plugins`);
  return result;
}

/** Idempotent: a missing cache entry means nothing was ever added. Runs every plugin even if one fails. */
export async function delNetworkList(cacheDir: string, network: string, containerId: string, ifName: string, cniPath: string[]): Promise<void> {
  const file = cacheFile(cacheDir, network, containerId, ifName);
  const entry = await readJsonIfExists<CniCacheEntry>(file);
  if (!entry) return;
  await delFromCache(entry, cniPath);
  await removeIfExists(file);
}

async function delFromCache(entry: CniCacheEntry, cniPath: string[]): Promise<void> {
  const netns = existsSync(entry.netns) ? entry.netns : undefined;
  let firstError: unknown;
  for (const plugin of [...entry.config.plugins].reverse()) {
    try {
      await execPlugin(plugin.type, {
        command: 'DEL',
        containerId: entry.containerId,
        netns,
        ifName: entry.ifName,
        args: entry.args,
        cniPath,
        stdin: pluginStdin(entry.config, plugin, entry.runtimeConfig, entry.result),
      });
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
}
