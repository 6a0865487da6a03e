// The network service the engine uses: network CRUD plus per-container setup
// and teardown through CNI. Daemonless: every call works from the files under
// root/runroot and the host-wide pools (hoststate.ts), and takes the metadata
// lock only around metadata changes, so concurrent gantry processes run their CNI
// plugins in parallel. A container's own lock is held for the whole of its setup,
// teardown, connect or disconnect, so gc never takes one in progress for an orphan.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, failedPrecondition, invalidArgument, notFound } from '../errdefs/index.js';
import { addNetworkList, delNetworkList, type CniCacheEntry } from './cni/chain.js';
import type { CniRuntimeConfig } from './cni/types.js';
import type { StoredConfList } from './conflist.js';
import { deleteEndpoint, listEndpoints, readEndpoint, writeEndpoint, type Attachment, type EndpointRecord } from './endpoints.js';
import { readJsonIfExists, removeStaleTempFiles } from './fsutil.js';
import { bridgeIpamDir, HOST_NETWORK_DIR, ownerFor, ownerGone, parseOwner, removeBridgeDirIfEmpty, withBridgeLock } from './hoststate.js';
import { hostsContentFor, refreshPeers, writeInPlace } from './hostsfiles.js';
import { parseCidr } from './ipv4.js';
import { NetworkLayout } from './layout.js';
import { lockHeld, withLock } from '../sys/lockfile.js';
import { createNetns, ipBatchInNetns, removeNetns } from './netns.js';
import { FastBridge } from './fastbridge.js';
import { assertOnlyPool, poolInUse, sweepDeadLeases } from './leases.js';
import { allocatePorts, releasePorts, sweepDeadPortClaims } from './portalloc.js';
import { buildResolvConf } from './resolvconf.js';
import { buildNetworkRecord, buildNetworkSettings, buildPredefinedRecord } from './settings.js';
import {
  createNetwork,
  DEFAULT_BRIDGE,
  DEFAULT_NETWORK,
  deleteNetworkFile,
  ensureDefaultNetwork,
  loadAllNetworks,
  predefinedId,
  PREDEFINED_NON_CNI,
  type DefaultNetworkOptions,
} from './store.js';
import type { ContainerNetworking, CreateNetworkOptions, NetworkFilters, NetworkRecord, SetupContainerRequest } from './types.js';

const run = promisify(execFile);

export interface NetworkServiceOptions {
  /** Engine root, e.g. /var/lib/gantry. */
  root: string;
  /** Run directory, e.g. /run/gantry. */
  runroot: string;
  cniPath?: string[];
  /** Overrides the default bridge's interface and subnet (tests use their own). */
  defaultNetwork?: DefaultNetworkOptions;
  /** Host resolver file the containers' resolv.conf derives from. */
  hostResolvConfPath?: string;
  /** Wire the default bridge in-process instead of through CNI plugins (default true; see docs/network.md). */
  fastDefaultBridge?: boolean;
}

/**
 * The engine's answer to "may this container be using its networking now?",
 * asked under the container's network lock (a Set of live ids will do). It must
 * be current when asked, not a snapshot taken before gc began: a container whose
 * start began after the snapshot would be torn down while it runs.
 */
export interface LiveContainers {
  has(containerId: string): boolean | Promise<boolean>;
}

export interface NetworkService {
  create(o: CreateNetworkOptions): Promise<NetworkRecord>;
  list(filters?: NetworkFilters): Promise<NetworkRecord[]>;
  inspect(nameOrId: string): Promise<NetworkRecord>;
  remove(nameOrId: string): Promise<void>;
  prune(): Promise<string[]>;
  setupContainer(req: SetupContainerRequest): Promise<ContainerNetworking>;
  teardownContainer(containerId: string): Promise<void>;
  connect(containerId: string, network: string, o?: { aliases?: string[]; ip?: string }): Promise<ContainerNetworking>;
  disconnect(containerId: string, network: string, o?: { force?: boolean }): Promise<void>;
  gc(live: LiveContainers): Promise<void>;
  /** The current networking of a set-up container (after connect/disconnect), or undefined. */
  containerNetworking(containerId: string): Promise<ContainerNetworking | undefined>;
}

const newEndpointId = () => randomBytes(32).toString('hex');

export class CniNetworkService implements NetworkService {
  private readonly layout: NetworkLayout;
  private readonly cniPath: string[];
  private readonly defaults: DefaultNetworkOptions;
  private readonly hostResolvConfPath: string;
  private readonly fastDefault: boolean;

  constructor(o: NetworkServiceOptions) {
    this.layout = new NetworkLayout(o.root, o.runroot);
    this.cniPath = o.cniPath ?? ['/usr/lib/cni', '/opt/cni/bin'];
    this.defaults = o.defaultNetwork ?? DEFAULT_BRIDGE;
    this.hostResolvConfPath = o.hostResolvConfPath ?? '/etc/resolv.conf';
    this.fastDefault = o.fastDefaultBridge ?? true;
  }

  private fast(conf: StoredConfList): FastBridge | undefined {
    return this.fastDefault && conf.gantry.isDefault ? new FastBridge(conf) : undefined;
  }

  async init(): Promise<void> {
    await mkdir(this.layout.locksDir, { recursive: true });
    // Before a CNI plugin makes it with its own mode.
    await mkdir(HOST_NETWORK_DIR, { recursive: true, mode: 0o700 });
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.layout.lockFile, 'the network metadata', fn, 60_000);
  }

  /** Taken before the metadata lock, never inside it. Setup may wait on plugins: a long timeout. */
  private containerLocked<T>(containerId: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.layout.containerLock(containerId), `the networking of container ${containerId}`, fn, 180_000);
  }

  /** All CNI networks, creating the default bridge's conflist on first use. */
  private async networks(): Promise<StoredConfList[]> {
    const all = await loadAllNetworks(this.layout);
    if (all.some((c) => c.name === DEFAULT_NETWORK)) return all;
    await this.locked(() => ensureDefaultNetwork(this.layout, this.defaults));
    return loadAllNetworks(this.layout);
  }

  private async predefinedCreated(): Promise<string> {
    const def = (await this.networks()).find((c) => c.name === DEFAULT_NETWORK);
    return def?.gantry.created ?? new Date(0).toISOString();
  }

  private resolveIn(confs: StoredConfList[], nameOrId: string): StoredConfList | undefined {
    const exact = confs.find((c) => c.name === nameOrId || c.gantry.id === nameOrId);
    if (exact) return exact;
    const byPrefix = confs.filter((c) => nameOrId.length > 0 && c.gantry.id.startsWith(nameOrId));
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  private async resolve(nameOrId: string): Promise<StoredConfList> {
    const conf = this.resolveIn(await this.networks(), nameOrId);
    if (!conf) throw notFound(`network ${nameOrId} not found`);
    return conf;
  }

  private predefinedNonCni(nameOrId: string): 'host' | 'none' | undefined {
    return PREDEFINED_NON_CNI.find((n) => n === nameOrId || predefinedId(this.layout, n) === nameOrId || (nameOrId.length >= 3 && predefinedId(this.layout, n).startsWith(nameOrId)));
  }

  async create(o: CreateNetworkOptions): Promise<NetworkRecord> {
    await this.networks();
    const conf = await this.locked(() => createNetwork(this.layout, o));
    return buildNetworkRecord(conf, []);
  }

  async list(filters: NetworkFilters = {}): Promise<NetworkRecord[]> {
    const [confs, eps, created] = await Promise.all([this.networks(), listEndpoints(this.layout), this.predefinedCreated()]);
    const records = [
      ...confs.map((c) => ({ rec: buildNetworkRecord(c, eps), builtin: c.gantry.isDefault })),
      ...PREDEFINED_NON_CNI.map((n) => ({ rec: buildPredefinedRecord(n, predefinedId(this.layout, n), created), builtin: true })),
    ];
    return records
      .filter(({ rec, builtin }) => matchesFilters(rec, builtin, filters))
      .map(({ rec }) => rec)
      .sort((a, b) => a.Name.localeCompare(b.Name));
  }

  async inspect(nameOrId: string): Promise<NetworkRecord> {
    const pre = this.predefinedNonCni(nameOrId);
    if (pre) return buildPredefinedRecord(pre, predefinedId(this.layout, pre), await this.predefinedCreated());
    const conf = await this.resolve(nameOrId);
    return buildNetworkRecord(conf, await listEndpoints(this.layout));
  }

  async remove(nameOrId: string): Promise<void> {
    const pre = this.predefinedNonCni(nameOrId);
    const conf = pre ? undefined : await this.resolve(nameOrId);
    if (pre || conf?.gantry.isDefault) throw failedPrecondition(`${pre ?? conf!.name} is a pre-defined network and cannot be removed`);
    await this.locked(async () => {
      const eps = await listEndpoints(this.layout);
      if (eps.some((ep) => ep.attachments.some((a) => a.networkId === conf!.gantry.id))) {
        throw conflict(`error while removing network: network ${conf!.name} id ${conf!.gantry.id} has active endpoints`);
      }
      await this.destroyNetwork(conf!);
    });
  }

  private async destroyNetwork(conf: StoredConfList): Promise<void> {
    await deleteNetworkFile(this.layout, conf.name);
    const bridge = conf.gantry.bridge;
    const removed = await withBridgeLock(bridge, async () => {
      // Another store's network of this name on this bridge still has containers: its bridge stays.
      const pool = join(bridgeIpamDir(bridge), conf.name);
      if (await poolInUse(pool)) return false;
      await rm(pool, { recursive: true, force: true });
      // The bridge plugin never deletes its bridge; docker removes br-* on network rm.
      await run('ip', ['link', 'del', bridge]).catch(() => undefined);
      return true;
    });
    if (removed) await removeBridgeDirIfEmpty(bridge);
  }

  async prune(): Promise<string[]> {
    await this.networks();
    return this.locked(async () => {
      const [confs, eps] = await Promise.all([loadAllNetworks(this.layout), listEndpoints(this.layout)]);
      const removed: string[] = [];
      for (const c of confs) {
        if (c.gantry.isDefault || eps.some((ep) => ep.attachments.some((a) => a.networkId === c.gantry.id))) continue;
        await this.destroyNetwork(c);
        removed.push(c.name);
      }
      return removed;
    });
  }

  async setupContainer(req: SetupContainerRequest): Promise<ContainerNetworking> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(req.containerId)) throw invalidArgument(`invalid container id ${JSON.stringify(req.containerId)}`);
    return this.containerLocked(req.containerId, () => this.setupLocked(req));
  }

  private async setupLocked(req: SetupContainerRequest): Promise<ContainerNetworking> {
    const cid = req.containerId;
    const owner = ownerFor(this.layout.root, cid);
    const confs = await this.networks();
    const files = this.layout.containerFilesDir(cid);
    const resolvConf = buildResolvConf({
      hostResolvConf: await readFile(this.hostResolvConfPath, 'utf8').catch(() => ''),
      dns: req.dns,
      dnsSearch: req.dnsSearch,
      dnsOptions: req.dnsOptions,
      hostNetwork: false,
    });

    // Phase 1 (locked): claim host ports and record the intent before touching the host.
    const attached: { a: Attachment; conf: StoredConfList }[] = [];
    const rec = await this.locked(async () => {
      if (await readEndpoint(this.layout, cid)) throw conflict(`container ${cid}: networking is already set up`);
      for (const [i, n] of req.networks.entries()) {
        const conf = this.resolveIn(confs, n.name);
        if (!conf) throw notFound(`network ${n.name} not found`);
        if (attached.some((x) => x.conf.gantry.id === conf.gantry.id)) throw conflict(`container ${req.containerName} is already attached to network ${conf.name}`);
        if (n.ip) checkStaticIp(conf, n.ip);
        const a: Attachment = { network: conf.name, networkId: conf.gantry.id, ifName: `eth${i}`, aliases: n.aliases ?? [], endpointId: newEndpointId() };
        if (n.ip) a.requestedIp = n.ip;
        attached.push({ a, conf });
      }
      const eps = await listEndpoints(this.layout);
      // Host-wide claims and leases name this process: until the record below lists them, only its death frees them.
      const ports = attached.length > 0 ? await allocatePorts(req.ports, eps.flatMap((e) => e.ports), owner) : [];
      try {
        for (const { a, conf } of attached) {
          const fast = this.fast(conf);
          if (!fast) {
            await assertOnlyPool(conf.gantry.bridge, conf.name);
            continue;
          }
          await fast.ensure();
          const lease = await fast.lease(owner, a.ifName, a.requestedIp);
          Object.assign(a, { mode: 'fast', address: lease.address, gateway: lease.gateway, mac: lease.mac, hostVeth: lease.hostVeth });
        }
      } catch (err) {
        // No record lists them yet, so nothing else would free them while this process lives.
        await releasePorts(cid, ports).catch(() => undefined);
        for (const { a, conf } of attached) if (a.address) await this.fast(conf)!.release(a.address, cid).catch(() => undefined);
        throw err;
      }
      const r: EndpointRecord = {
        containerId: cid,
        containerName: req.containerName,
        hostname: req.hostname,
        netnsPath: this.layout.netns(cid),
        hostsPath: join(files, 'hosts'),
        resolvConfPath: join(files, 'resolv.conf'),
        extraHosts: req.extraHosts ?? [],
        attachments: attached.map((x) => x.a),
        ports,
        ...(attached[0] ? { portsNetwork: attached[0].a.network } : {}),
      };
      await writeEndpoint(this.layout, r);
      return r;
    });

    try {
      // The owner file comes before the netns: a store sharing this runroot leaves both alone.
      await mkdir(files, { recursive: true });
      await writeFile(this.layout.containerOwnerFile(cid), JSON.stringify(owner));
      // Fast-path attachments are configured inside the netns in the same exec that creates it.
      const fastBatch = attached.flatMap(({ a, conf }) => (a.mode === 'fast' ? this.fast(conf)!.containerBatch(a.ifName, leaseOf(a)) : []));
      await createNetns(rec.netnsPath, fastBatch);
      for (const { a, conf } of attached) {
        if (a.mode === 'fast') await this.fast(conf)!.plugHost(leaseOf(a), rec.portsNetwork === a.network ? rec.ports : []);
        else await this.addAttachment(rec, a, conf);
      }
      await writeFile(rec.resolvConfPath, resolvConf);
      // Phase 3 (locked): publish the addresses, write this container's and its peers' hosts files.
      return await this.locked(async () => {
        await writeEndpoint(this.layout, rec);
        return this.publishHosts(rec, new Set(rec.attachments.map((a) => a.networkId)));
      });
    } catch (err) {
      await this.teardownLocked(cid).catch(() => undefined);
      throw err;
    }
  }

  private async addAttachment(rec: EndpointRecord, a: Attachment, conf: StoredConfList): Promise<void> {
    const runtimeConfig: CniRuntimeConfig = {};
    if (rec.portsNetwork === a.network && rec.ports.length > 0) {
      runtimeConfig.portMappings = rec.ports.map((p) => ({
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol: p.protocol,
        ...(p.hostIp ? { hostIP: p.hostIp } : {}),
      }));
    }
    if (a.requestedIp) runtimeConfig.ips = [`${a.requestedIp}/${parseCidr(conf.gantry.subnet).prefix}`];
    const result = await addNetworkList(this.layout.cacheDir, conf, { containerId: rec.containerId, netns: rec.netnsPath, ifName: a.ifName, runtimeConfig }, this.cniPath);
    const ifIndex = result.interfaces?.findIndex((i) => i.name === a.ifName && i.sandbox);
    const ip = result.ips?.find((x) => x.interface === undefined || x.interface === ifIndex) ?? result.ips?.[0];
    if (!ip) throw failedPrecondition(`network ${conf.name}: CNI result has no IP address`);
    a.address = ip.address;
    if (ip.gateway) a.gateway = ip.gateway;
    const mac = ifIndex !== undefined && ifIndex >= 0 ? result.interfaces?.[ifIndex]?.mac : undefined;
    if (mac) a.mac = mac;
  }

  /** Writes rec's hosts file and its peers'; call with the lock held after rec is stored. */
  private async publishHosts(rec: EndpointRecord, changedNetworks: Set<string>): Promise<ContainerNetworking> {
    const [eps, confs] = await Promise.all([listEndpoints(this.layout), loadAllNetworks(this.layout)]);
    const byId = new Map(confs.map((c) => [c.gantry.id, c]));
    const hosts = hostsContentFor(rec, eps, byId);
    await writeInPlace(rec.hostsPath, hosts);
    await refreshPeers(changedNetworks, eps, byId, rec.containerId);
    return this.describe(rec, hosts);
  }

  private async describe(rec: EndpointRecord, hosts?: string): Promise<ContainerNetworking> {
    return {
      netnsPath: rec.netnsPath,
      settings: buildNetworkSettings(rec),
      hosts: hosts ?? (await readFile(rec.hostsPath, 'utf8').catch(() => '')),
      hostsPath: rec.hostsPath,
      resolvConf: await readFile(rec.resolvConfPath, 'utf8').catch(() => ''),
      resolvConfPath: rec.resolvConfPath,
    };
  }

  async containerNetworking(containerId: string): Promise<ContainerNetworking | undefined> {
    const rec = await readEndpoint(this.layout, containerId);
    return rec ? this.describe(rec) : undefined;
  }

  async teardownContainer(containerId: string): Promise<void> {
    await this.containerLocked(containerId, () => this.teardownLocked(containerId));
  }

  private async teardownLocked(containerId: string): Promise<void> {
    const rec = await readEndpoint(this.layout, containerId);
    let firstError: unknown;
    const attempt = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        firstError ??= err;
      }
    };
    const confs = rec ? await loadAllNetworks(this.layout) : [];
    for (const a of [...(rec?.attachments ?? [])].reverse()) {
      await attempt(() => this.detach(rec!, a, confs));
    }
    // Results cached for attachments the record does not list (a crash between the two writes).
    for (const entry of await this.cacheEntries((e) => e.containerId === containerId)) {
      await attempt(() => delNetworkList(this.layout.cacheDir, entry.config.name, containerId, entry.ifName, this.cniPath));
    }
    await attempt(() => removeNetns(this.layout.netns(containerId)));
    // After the DNAT rules are gone: a port claimed anew must not meet our rules.
    if (rec) await attempt(() => releasePorts(containerId, rec.ports));
    if (firstError) throw firstError; // keep the record so a later teardown or gc retries
    await this.locked(async () => {
      // Before the record goes (a crash between leaves the record, so a retry): and
      // under the lock, since a peer's hosts refresh would write into the directory.
      await rm(this.layout.containerFilesDir(containerId), { recursive: true, force: true });
      await deleteEndpoint(this.layout, containerId);
      if (rec) {
        const eps = await listEndpoints(this.layout);
        const byId = new Map((await loadAllNetworks(this.layout)).map((c) => [c.gantry.id, c]));
        await refreshPeers(new Set(rec.attachments.map((a) => a.networkId)), eps, byId);
      }
    });
  }

  private async detach(rec: EndpointRecord, a: Attachment, confs: StoredConfList[]): Promise<void> {
    if (a.mode !== 'fast') return delNetworkList(this.layout.cacheDir, a.network, rec.containerId, a.ifName, this.cniPath);
    const conf = confs.find((c) => c.gantry.id === a.networkId);
    const ports = rec.portsNetwork === a.network ? rec.ports : [];
    if (conf) return new FastBridge(conf).unplug(rec.containerId, a.address, a.hostVeth!, ports);
    // The network is gone: only the veth can remain.
    await run('ip', ['link', 'del', a.hostVeth!]).catch(() => undefined);
  }

  private async cacheEntries(keep: (e: CniCacheEntry) => boolean): Promise<CniCacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.layout.cacheDir);
    } catch {
      return [];
    }
    const entries = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readJsonIfExists<CniCacheEntry>(join(this.layout.cacheDir, n)).catch(() => undefined)));
    return entries.filter((e): e is CniCacheEntry => e !== undefined && keep(e));
  }

  async connect(containerId: string, network: string, o: { aliases?: string[]; ip?: string } = {}): Promise<ContainerNetworking> {
    const conf = await this.resolve(network);
    if (o.ip) checkStaticIp(conf, o.ip);
    return this.containerLocked(containerId, () => this.connectLocked(containerId, conf, o));
  }

  private async connectLocked(containerId: string, conf: StoredConfList, o: { aliases?: string[]; ip?: string }): Promise<ContainerNetworking> {
    const a = await this.locked(async () => {
      const rec = await readEndpoint(this.layout, containerId);
      if (!rec) throw failedPrecondition(`container ${containerId} has no network namespace: is it running?`);
      if (rec.attachments.some((x) => x.networkId === conf.gantry.id)) {
        throw conflict(`endpoint with name ${rec.containerName} already exists in network ${conf.name}`);
      }
      const used = new Set(rec.attachments.map((x) => x.ifName));
      let n = 0;
      while (used.has(`eth${n}`)) n++;
      const att: Attachment = { network: conf.name, networkId: conf.gantry.id, ifName: `eth${n}`, aliases: o.aliases ?? [], endpointId: newEndpointId() };
      if (o.ip) att.requestedIp = o.ip;
      const fast = this.fast(conf);
      if (fast) {
        await fast.ensure();
        const lease = await fast.lease(ownerFor(this.layout.root, containerId), att.ifName, att.requestedIp);
        Object.assign(att, { mode: 'fast', address: lease.address, gateway: lease.gateway, mac: lease.mac, hostVeth: lease.hostVeth });
      } else {
        await assertOnlyPool(conf.gantry.bridge, conf.name);
      }
      rec.attachments.push(att);
      await writeEndpoint(this.layout, rec);
      return { rec, att };
    });
    try {
      const fast = this.fast(conf);
      if (fast) {
        await ipBatchInNetns(a.rec.netnsPath, fast.containerBatch(a.att.ifName, leaseOf(a.att)));
        await fast.plugHost(leaseOf(a.att), []);
      } else {
        await this.addAttachment(a.rec, a.att, conf);
      }
    } catch (err) {
      await this.detach(a.rec, a.att, [conf]).catch(() => undefined);
      await this.locked(async () => {
        const rec = await readEndpoint(this.layout, containerId);
        if (!rec) return;
        rec.attachments = rec.attachments.filter((x) => x.endpointId !== a.att.endpointId);
        await writeEndpoint(this.layout, rec);
      });
      throw err;
    }
    return this.locked(async () => {
      const rec = await readEndpoint(this.layout, containerId);
      if (!rec) throw notFound(`container ${containerId}: networking was torn down during connect`);
      rec.attachments = rec.attachments.map((x) => (x.endpointId === a.att.endpointId ? a.att : x));
      await writeEndpoint(this.layout, rec);
      return this.publishHosts(rec, new Set([conf.gantry.id]));
    });
  }

  async disconnect(containerId: string, network: string, o: { force?: boolean } = {}): Promise<void> {
    await this.containerLocked(containerId, () => this.disconnectLocked(containerId, network, o));
  }

  private async disconnectLocked(containerId: string, network: string, o: { force?: boolean }): Promise<void> {
    const rec = await readEndpoint(this.layout, containerId);
    const conf = this.resolveIn(await this.networks(), network);
    if (!conf && !o.force) throw notFound(`network ${network} not found`);
    const att = rec?.attachments.find((x) => (conf ? x.networkId === conf.gantry.id : x.network === network));
    if (!rec || !att) {
      if (o.force) return;
      throw failedPrecondition(`container ${containerId} is not connected to network ${conf?.name ?? network}`);
    }
    await this.detach(rec, att, await loadAllNetworks(this.layout));
    await this.locked(async () => {
      const cur = await readEndpoint(this.layout, containerId);
      if (!cur) return;
      cur.attachments = cur.attachments.filter((x) => x.endpointId !== att.endpointId);
      if (cur.portsNetwork === att.network) {
        await releasePorts(containerId, cur.ports);
        cur.ports = [];
        delete cur.portsNetwork;
      }
      await writeEndpoint(this.layout, cur);
      await this.publishHosts(cur, new Set([att.networkId]));
    });
  }

  /**
   * Tears down the networking of every container of this store that `live` says
   * is not using it, then reclaims what no record accounts for: netns files and
   * per-container directories this store made (or a store that is gone made; stores
   * may share a runroot), host-wide leases and port claims of dead owners, locks
   * and temp files of dead processes. Each container is decided under its lock,
   * after any setup in progress has finished, with `live` asked at that moment.
   */
  async gc(live: LiveContainers): Promise<void> {
    let firstError: unknown;
    const attempt = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        firstError ??= err;
      }
    };
    const withRecords = new Set((await listEndpoints(this.layout)).map((e) => e.containerId));
    const cached = new Set((await this.cacheEntries(() => true)).map((e) => e.containerId));
    for (const cid of new Set([...withRecords, ...cached])) {
      if (await live.has(cid)) continue;
      await attempt(() =>
        this.containerLocked(cid, async () => {
          if (!(await live.has(cid))) await this.teardownLocked(cid);
        }),
      );
    }
    for (const cid of await this.runrootEntries()) {
      if (withRecords.has(cid) || (await live.has(cid))) continue;
      await attempt(() =>
        this.containerLocked(cid, async () => {
          if ((await readEndpoint(this.layout, cid)) || (await live.has(cid)) || !this.runrootEntryOrphaned(cid)) return;
          await removeNetns(this.layout.netns(cid));
          await rm(this.layout.containerFilesDir(cid), { recursive: true, force: true });
        }),
      );
    }
    await attempt(sweepDeadLeases);
    await attempt(sweepDeadPortClaims);
    await attempt(() => this.sweepStaleLocks());
    for (const dir of [this.layout.cacheDir, this.layout.endpointsDir, this.layout.networksDir]) await removeStaleTempFiles(dir);
    if (firstError) throw firstError;
  }

  /** Container ids with a netns file or a files directory under the runroot (any store's, when shared). */
  private async runrootEntries(): Promise<Set<string>> {
    const names = await Promise.all([this.layout.netnsDir, this.layout.containerFilesRoot].map((d) => readdir(d).catch(() => [] as string[])));
    return new Set(names.flat());
  }

  /**
   * A netns or files directory without a record of ours: ours (the owner file names
   * this root) or a store's that no longer has a record for it. Without an owner
   * file nothing proves whose it is (another store may be creating it), so it stays.
   */
  private runrootEntryOrphaned(cid: string): boolean {
    let text: string;
    try {
      text = readFileSync(this.layout.containerOwnerFile(cid), 'utf8');
    } catch {
      return false;
    }
    const owner = parseOwner(text);
    if (!owner) return false;
    return owner.root === this.layout.root || ownerGone(owner, () => true);
  }

  /** Lock files a killed process left: taking one breaks it if its holder is dead. */
  private async sweepStaleLocks(): Promise<void> {
    for (const name of await readdir(this.layout.locksDir).catch(() => [] as string[])) {
      const path = join(this.layout.locksDir, name);
      if (!name.endsWith('.lock') || lockHeld(path) || !existsSync(path)) continue;
      await withLock(path, `the networking of container ${name.slice(0, -'.lock'.length)}`, async () => undefined, 1000).catch(() => undefined);
    }
  }
}

const leaseOf = (a: Attachment) => ({ address: a.address!, gateway: a.gateway!, mac: a.mac!, hostVeth: a.hostVeth! });

function checkStaticIp(conf: StoredConfList, ip: string): void {
  const net = parseCidr(conf.gantry.subnet);
  const addr = parseCidr(`${ip}/32`, 'IP address');
  if (((addr.base ^ net.base) >>> (32 - net.prefix)) !== 0 && net.prefix > 0) {
    throw invalidArgument(`invalid IP address ${ip}: it does not belong to any of this network's subnets`);
  }
}

function matchesFilters(rec: NetworkRecord, builtin: boolean, filters: NetworkFilters): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case 'name':
          return rec.Name.includes(v);
        case 'id':
          return rec.Id.startsWith(v);
        case 'driver':
          return rec.Driver === v;
        case 'scope':
          return rec.Scope === v;
        case 'type':
          return v === 'builtin' ? builtin : v === 'custom' ? !builtin : false;
        case 'dangling': {
          const dangling = !builtin && Object.keys(rec.Containers).length === 0;
          return v === 'true' || v === '1' ? dangling : !dangling;
        }
        case 'label': {
          const [k, val] = v.split('=', 2) as [string, string | undefined];
          return k in rec.Labels && (val === undefined || rec.Labels[k] === val);
        }
        default:
          throw invalidArgument(`invalid filter '${key}'`);
      }
    });
    if (!ok) return false;
  }
  return true;
}
