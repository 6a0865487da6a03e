// Network definitions: one CNI conflist per network under <root>/networks/,
// carrying Gantry's metadata; the predefined bridge/host/none networks; subnet choice.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { alreadyExists, invalidArgument, notFound, unavailable } from '../errdefs/index.js';
import { buildConfList, bridgeNameOption, validateAddressing, type NetworkMeta, type StoredConfList } from './conflist.js';
import { readJsonIfExists, removeIfExists, writeFileAtomic } from './fsutil.js';
import { bridgeIpamDir } from './hoststate.js';
import { cidrsOverlap, formatCidr, formatIPv4, parseCidr, parseProcNetRoute, type Cidr } from './ipv4.js';
import type { NetworkLayout } from './layout.js';
import type { CreateNetworkOptions } from './types.js';

/** Name of the default network, as in docker. */
export const DEFAULT_NETWORK = 'bridge';
/**
 * The default bridge: gantry0 on 10.90.0.0/16. Chosen to avoid docker0 (172.17.0.0/16),
 * docker's user-network pool (172.18+), podman's default (10.88.0.0/16) and podman's
 * user networks (10.89.x.0/24). User networks get 10.91.0.0/24, 10.91.1.0/24, ...
 */
export const DEFAULT_BRIDGE = { bridge: 'gantry0', subnet: '10.90.0.0/16' };
const USER_POOL = { base: parseCidr('10.91.0.0/16'), prefix: 24, count: 9 * 256 /* 10.91.0.0 .. 10.99.255.0 */ };

export const PREDEFINED_NON_CNI = ['host', 'none'] as const;

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface DefaultNetworkOptions {
  bridge: string;
  subnet: string;
}

/**
 * The address pool is host-wide per bridge whatever the stored file says (conflists
 * written before the pools moved named the store's own directory).
 */
function withHostIpam(conf: StoredConfList): StoredConfList {
  const ipam = conf.plugins[0]?.ipam as { dataDir?: string } | undefined;
  if (ipam) ipam.dataDir = bridgeIpamDir(conf.gantry.bridge);
  return conf;
}

export async function loadNetwork(layout: NetworkLayout, name: string): Promise<StoredConfList | undefined> {
  const conf = await readJsonIfExists<StoredConfList>(layout.conflist(name));
  return conf && withHostIpam(conf);
}

export async function loadAllNetworks(layout: NetworkLayout): Promise<StoredConfList[]> {
  let names: string[];
  try {
    names = await readdir(layout.networksDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lists = await Promise.all(
    names.filter((n) => n.endsWith('.conflist')).map(async (n) => withHostIpam(JSON.parse(await readFile(`${layout.networksDir}/${n}`, 'utf8')) as StoredConfList)),
  );
  return lists.sort((a, b) => a.name.localeCompare(b.name));
}

/** Stable ids for host/none (nothing is stored for them). */
export const predefinedId = (layout: NetworkLayout, name: string) =>
  createHash('sha256').update(`gantry-network:${name}:${layout.root}`).digest('hex');

const newId = () => randomBytes(32).toString('hex');

async function hostRoutes(): Promise<Cidr[]> {
  try {
    return parseProcNetRoute(await readFile('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}

async function pickSubnet(existing: StoredConfList[]): Promise<string> {
  const used = [...existing.map((c) => parseCidr(c.gantry.subnet)), ...(await hostRoutes())];
  for (let i = 0; i < USER_POOL.count; i++) {
    const cand: Cidr = { base: (USER_POOL.base.base + i * 256) >>> 0, prefix: USER_POOL.prefix };
    if (!used.some((u) => cidrsOverlap(u, cand))) return formatCidr(cand);
  }
  throw unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** Creates the network's conflist; call with the metadata lock held. */
export async function createNetwork(layout: NetworkLayout, o: CreateNetworkOptions, isDefault = false, bridgeName?: string): Promise<StoredConfList> {
  if (!NAME_RE.test(o.name)) throw invalidArgument(`invalid network name "${o.name}": must match ${NAME_RE.source}`);
  if ((o.driver ?? 'bridge') !== 'bridge') throw notFound(`plugin "${o.driver}" not found`);
  if (!isDefault && (o.name === DEFAULT_NETWORK || (PREDEFINED_NON_CNI as readonly string[]).includes(o.name))) {
    throw alreadyExists(`network with name ${o.name} already exists`);
  }
  const existing = await loadAllNetworks(layout);
  if (existing.some((c) => c.name === o.name)) throw alreadyExists(`network with name ${o.name} already exists`);
  if (o.gateway && !o.subnet) throw invalidArgument('gateway requires a subnet (--subnet)');
  if (o.ipRange && !o.subnet) throw invalidArgument('ip-range requires a subnet (--subnet)');
  const subnet = o.subnet ? formatCidr(parseCidr(o.subnet)) : await pickSubnet(existing);
  const net = parseCidr(subnet);
  for (const c of existing) {
    if (cidrsOverlap(parseCidr(c.gantry.subnet), net)) throw unavailable(`Pool overlaps with other one on this address space`);
  }
  const gateway = o.gateway ?? formatIPv4(net.base + 1);
  validateAddressing(subnet, gateway, o.ipRange);
  const id = newId();
  const options = { ...o.options };
  const bridge = bridgeName ?? bridgeNameOption(options) ?? `gbr-${id.slice(0, 11)}`;
  if (bridge.length > 15) throw invalidArgument(`bridge name ${bridge} is longer than 15 characters`);
  if (existing.some((c) => c.gantry.bridge === bridge)) throw alreadyExists(`bridge name ${bridge} is already used by network ${existing.find((c) => c.gantry.bridge === bridge)!.name}`);
  const meta: NetworkMeta = {
    id,
    created: new Date().toISOString(),
    driver: 'bridge',
    bridge,
    subnet,
    gateway,
    ...(o.ipRange ? { ipRange: o.ipRange } : {}),
    internal: o.internal ?? false,
    options,
    labels: { ...o.labels },
    isDefault,
  };
  const conf = buildConfList(o.name, meta, bridgeIpamDir(bridge));
  await writeFileAtomic(layout.conflist(o.name), JSON.stringify(conf, null, 2) + '\n');
  return conf;
}

export async function ensureDefaultNetwork(layout: NetworkLayout, def: DefaultNetworkOptions): Promise<StoredConfList> {
  const existing = await loadNetwork(layout, DEFAULT_NETWORK);
  if (existing) return existing;
  return createNetwork(
    layout,
    { name: DEFAULT_NETWORK, subnet: def.subnet, options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': def.bridge } },
    true,
    def.bridge,
  );
}

export async function deleteNetworkFile(layout: NetworkLayout, name: string): Promise<void> {
  await removeIfExists(layout.conflist(name));
}
