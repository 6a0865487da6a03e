// The default bridge's fast path: what the bridge, host-local and portmap CNI
// plugins do for the default network, done with one `ip -batch` inside the new
// netns, one on the host and one `nft` transaction, instead of six Go plugin
// executions (~50-100 ms each here). See docs/network.md for the measurements.
// Per-container state is only: a veth pair, an address lease file in the
// host-local format and dataDir (host-wide, see hoststate.ts), and elements in
// the network's nft port maps.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unavailable, wrap } from '../errdefs/index.js';
import type { StoredConfList } from './conflist.js';
import { removeIfExists } from './fsutil.js';
import { bridgeIpamDir, withBridgeLock, type EntryOwner } from './hoststate.js';
import { cidrContains, cidrSize, formatIPv4, parseCidr, parseIPv4 } from './ipv4.js';
import { assertOnlyPool, createLease, leaseHolder, usedAddresses } from './leases.js';
import type { BoundPort } from './portalloc.js';
import { runWithInput } from './spawn.js';

const run = promisify(execFile);

export interface FastLease {
  address: string; // CIDR
  gateway: string;
  mac: string;
  hostVeth: string;
}

/** docker's MAC scheme: 02:42 followed by the IPv4 address bytes. */
const macFor = (ip: number) => ['02', '42', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');

export const hostVethName = (containerId: string, ifName: string) => `gv${createHash('sha256').update(`${containerId}/${ifName}`).digest('hex').slice(0, 11)}`;

export class FastBridge {
  readonly bridge: string;
  readonly table: string;
  private readonly subnet: string;
  private readonly gateway: string;
  private readonly network: string;
  private readonly ipamDir: string;

  constructor(conf: StoredConfList) {
    this.bridge = conf.gantry.bridge;
    this.subnet = conf.gantry.subnet;
    this.gateway = conf.gantry.gateway;
    this.table = `gantry_${this.bridge.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.network = conf.name;
    this.ipamDir = join(bridgeIpamDir(this.bridge), conf.name);
  }

  /** Host-wide, like the bridge it stands for: whichever store comes first sets the bridge up. */
  private get marker() {
    return join(bridgeIpamDir(this.bridge), '.ready');
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withBridgeLock(this.bridge, fn);
  }

  /** The marker names the bridge's ifindex: a bridge deleted and made again (by anyone) is set up again. */
  private isSetUp(): boolean {
    const read = (p: string) => {
      try {
        return readFileSync(p, 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    const ifindex = read(`/sys/class/net/${this.bridge}/ifindex`);
    return ifindex !== undefined && read(this.marker) === ifindex;
  }

  /** Creates the bridge, sysctls, NAT table and FORWARD acceptance once per boot (per bridge, for all stores). */
  async ensure(): Promise<void> {
    if (this.isSetUp()) return;
    await this.locked(async () => {
      if (!this.isSetUp()) await this.setUp();
    });
  }

  private async setUp(): Promise<void> {
    const prefix = parseCidr(this.subnet).prefix;
    if (!existsSync(`/sys/class/net/${this.bridge}`)) {
      await runWithInput('ip', ['-force', '-batch', '-'], [`link add ${this.bridge} type bridge`, `addr add ${this.gateway}/${prefix} dev ${this.bridge}`, `link set ${this.bridge} up`].join('\n') + '\n').catch(
        async (err) => {
          if (!existsSync(`/sys/class/net/${this.bridge}`)) throw wrap(`create bridge ${this.bridge}`, err);
        },
      );
    }
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    // 127.0.0.1:<published port> is DNATed to the container: needs localnet routing on the bridge.
    await writeFile(`/proc/sys/net/ipv4/conf/${this.bridge}/route_localnet`, '1');
    const t = `ip ${this.table}`;
    const nft = [
      `add table ${t}`,
      ...['tcp', 'udp'].flatMap((p) => [
        `add map ${t} ${p}_any { type inet_service : ipv4_addr . inet_service; }`,
        `add map ${t} ${p}_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }`,
      ]),
      `add chain ${t} port_dnat`,
      `flush chain ${t} port_dnat`,
      ...['tcp', 'udp'].flatMap((p) => [`add rule ${t} port_dnat dnat ip to ip daddr . ${p} dport map @${p}_ip`, `add rule ${t} port_dnat dnat ip to ${p} dport map @${p}_any`]),
      `add chain ${t} prerouting { type nat hook prerouting priority dstnat; }`,
      `flush chain ${t} prerouting`,
      `add rule ${t} prerouting fib daddr type local jump port_dnat`,
      `add chain ${t} output { type nat hook output priority -100; }`,
      `flush chain ${t} output`,
      `add rule ${t} output fib daddr type local jump port_dnat`,
      `add chain ${t} postrouting { type nat hook postrouting priority srcnat; }`,
      `flush chain ${t} postrouting`,
      `add rule ${t} postrouting ip saddr ${this.subnet} ip daddr != ${this.subnet} masquerade`,
      `add rule ${t} postrouting ip saddr 127.0.0.0/8 ip daddr ${this.subnet} masquerade`,
      // Hairpin: a container reaching a published port of its own network.
      `add rule ${t} postrouting ct status dnat ip saddr ${this.subnet} ip daddr ${this.subnet} masquerade`,
    ];
    await runWithInput('nft', ['-f', '-'], nft.join('\n') + '\n').catch((err) => {
      throw wrap(`set up NAT for ${this.bridge}`, err);
    });
    // Hosts whose FORWARD policy is DROP (docker installed) need explicit acceptance, in iptables' chain.
    for (const dir of ['-i', '-o']) {
      const rule = ['FORWARD', dir, this.bridge, '-m', 'comment', '--comment', `gantry ${this.bridge}`, '-j', 'ACCEPT'];
      await run('iptables', ['-w', '-C', ...rule]).catch(() => run('iptables', ['-w', '-I', ...rule]));
    }
    await writeFile(this.marker, readFileSync(`/sys/class/net/${this.bridge}/ifindex`, 'utf8'));
  }

  /** Removes everything ensure() made (network removal, test cleanup). */
  async destroy(): Promise<void> {
    await run('nft', ['delete', 'table', 'ip', this.table]).catch(() => undefined);
    for (const dir of ['-i', '-o']) {
      await run('iptables', ['-w', '-D', 'FORWARD', dir, this.bridge, '-m', 'comment', '--comment', `gantry ${this.bridge}`, '-j', 'ACCEPT']).catch(() => undefined);
    }
    await run('ip', ['link', 'del', this.bridge]).catch(() => undefined);
    await removeIfExists(this.marker);
  }

  /**
   * Picks a free address of the host-wide pool and records the lease in host-local's
   * format (plus its owner, see leases.ts), under the bridge's lock so that every
   * store and process on the host allocates from one pool.
   */
  async lease(owner: EntryOwner, ifName: string, requested?: string): Promise<FastLease> {
    const net = parseCidr(this.subnet);
    const gw = parseIPv4(this.gateway)!;
    const ip = await this.locked(async () => {
      await mkdir(this.ipamDir, { recursive: true, mode: 0o700 });
      await assertOnlyPool(this.bridge, this.network);
      const lastFile = join(this.ipamDir, 'last_reserved_ip.0');
      const used = await usedAddresses(this.ipamDir);
      const first = net.base + 1;
      const last = net.base + cidrSize(net) - 2;
      const candidates: number[] = [];
      if (requested) {
        const want = parseIPv4(requested);
        if (want === undefined || !cidrContains(net, want) || want === gw || used.has(want)) throw unavailable(`requested IP address ${requested} is not available in network ${this.subnet}`);
        candidates.push(want);
      } else {
        // Round-robin from the last reservation, as host-local does, so addresses are not reused at once.
        const prev = parseIPv4((await readFile(lastFile, 'utf8').catch(() => '')).trim()) ?? first - 1;
        for (let i = 1; i <= last - first + 1; i++) {
          const cand = first + ((prev - first + i + (last - first + 1)) % (last - first + 1));
          if (cand !== gw && !used.has(cand)) candidates.push(cand);
        }
      }
      // The exclusive create is the claim: host-local (the CNI path on the same pool) does not take our lock.
      for (const cand of candidates) {
        if (await createLease(this.ipamDir, formatIPv4(cand), owner, ifName)) {
          await writeFile(lastFile, formatIPv4(cand));
          return cand;
        }
      }
      throw unavailable(requested ? `requested IP address ${requested} is not available in network ${this.subnet}` : `no IP addresses available in network ${this.subnet}`);
    });
    return { address: `${formatIPv4(ip)}/${net.prefix}`, gateway: this.gateway, mac: macFor(ip), hostVeth: hostVethName(owner.containerId, ifName) };
  }

  /** Drops the lease if containerId holds it (after a crash the address may have gone to another container). */
  async release(address: string, containerId: string): Promise<void> {
    const file = join(this.ipamDir, address.split('/')[0]!);
    if (leaseHolder(await readFile(file, 'utf8').catch(() => '')) === containerId) await removeIfExists(file);
  }

  /** `ip -batch` lines to run inside the container's netns: the veth pair with its host end moved out. */
  containerBatch(ifName: string, l: FastLease): string[] {
    return [
      `link add ${ifName} address ${l.mac} type veth peer name ${l.hostVeth} netns ${process.pid}`,
      `addr add ${l.address} dev ${ifName}`,
      `link set ${ifName} up`,
      ...(ifName === 'eth0' ? [`route add default via ${l.gateway} dev ${ifName}`] : []),
    ];
  }

  /** Host side: enslave the veth to the bridge (hairpin on, like docker's userland-proxy-less mode) and publish ports. */
  async plugHost(l: FastLease, ports: BoundPort[]): Promise<void> {
    await runWithInput('ip', ['-batch', '-'], `link set ${l.hostVeth} master ${this.bridge} up\nlink set dev ${l.hostVeth} type bridge_slave hairpin on\n`).catch((err) => {
      throw wrap(`attach ${l.hostVeth} to ${this.bridge}`, err);
    });
    const v4Ports = ports.filter((p) => !p.hostIp.includes(':'));
    if (v4Ports.length === 0) return;
    const add = () => runWithInput('nft', ['-f', '-'], this.portElements(l.address, v4Ports, false).join('\n') + '\n');
    await add().catch(async () => {
      // The caller holds the host-wide claims on these ports, so an element already
      // there is stale (its store was deleted with the container running): replace it.
      for (const line of this.portElements(l.address, v4Ports, true).filter((x) => x.startsWith('delete '))) {
        await runWithInput('nft', ['-f', '-'], line + '\n').catch(() => undefined);
      }
      await add().catch((err) => {
        throw wrap('publish ports', err);
      });
    });
  }

  private portElements(address: string, ports: BoundPort[], remove: boolean): string[] {
    const ip = address.split('/')[0]!;
    return ports.flatMap((p) => {
      const any = p.hostIp === '' || p.hostIp === '0.0.0.0';
      const map = `ip ${this.table} ${p.protocol}_${any ? 'any' : 'ip'}`;
      const key = any ? `${p.hostPort}` : `${p.hostIp} . ${p.hostPort}`;
      const add = `add element ${map} { ${key} : ${ip} . ${p.containerPort} }`;
      // "add" then "delete" in one transaction: an idempotent removal on nft versions without "destroy".
      return remove ? [add, `delete element ${map} { ${key} }`] : [add];
    });
  }

  /** Idempotent undo of plugHost and the container side (the netns itself is removed by the caller). */
  async unplug(containerId: string, address: string | undefined, hostVeth: string, ports: BoundPort[]): Promise<void> {
    const v4Ports = ports.filter((p) => !p.hostIp.includes(':'));
    if (address && v4Ports.length > 0 && existsSync(this.marker)) {
      await runWithInput('nft', ['-f', '-'], this.portElements(address, v4Ports, true).join('\n') + '\n').catch((err) => {
        throw wrap('unpublish ports', err);
      });
    }
    if (existsSync(`/sys/class/net/${hostVeth}`)) {
      await run('ip', ['link', 'del', hostVeth]).catch((err) => {
        if (existsSync(`/sys/class/net/${hostVeth}`)) throw wrap(`delete ${hostVeth}`, err);
      });
    }
    if (address) await this.release(address, containerId);
  }
}
