// Shared fixtures for the network integration tests: a service on temporary
// roots with its own default bridge, and checks that nothing is left behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { openNetworkService, type NetworkService } from '../../../src/network/index.js';
import { bridgeIpamDir, HOST_NETWORK_DIR, hostPortsDir } from '../../../src/network/hoststate.js';

export const run = promisify(execFile);

export function missingPrereq(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/portmap', '/usr/lib/cni/firewall', '/usr/bin/busybox', '/usr/sbin/iptables-save']) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `needs ${bin}`;
    }
  }
  return undefined;
}

export interface NetEnv {
  svc: NetworkService;
  root: string;
  runroot: string;
  bridge: string;
  subnet: string;
  cleanup(): Promise<void>;
}

/** A service on fresh temp roots; each test file passes its own bridge name and subnet so files can run in parallel. */
export async function makeEnv(bridge: string, subnet: string, o: { fastDefaultBridge?: boolean } = {}): Promise<NetEnv> {
  const root = await mkdtemp(join(tmpdir(), 'gantry-net-root-'));
  const runroot = await mkdtemp(join(tmpdir(), 'gantry-net-run-'));
  const svc = await openNetworkService({ root, runroot, defaultNetwork: { bridge, subnet }, ...o });
  return {
    svc,
    root,
    runroot,
    bridge,
    subnet,
    async cleanup() {
      await svc.gc(new Set()).catch(() => undefined);
      for (const n of await svc.list({ type: ['custom'] }).catch(() => [])) await svc.remove(n.Id).catch(() => undefined);
      await removeBridge(bridge);
      await rm(root, { recursive: true, force: true });
      await rm(runroot, { recursive: true, force: true });
    },
  };
}

/** The default bridge's fast-path NAT table and FORWARD rules, then the bridge itself. */
export async function removeBridge(bridge: string): Promise<void> {
  await run('nft', ['delete', 'table', 'ip', `gantry_${bridge.replace(/[^A-Za-z0-9_]/g, '_')}`]).catch(() => undefined);
  for (const dir of ['-i', '-o']) {
    await run('iptables', ['-w', '-D', 'FORWARD', dir, bridge, '-m', 'comment', '--comment', `gantry ${bridge}`, '-j', 'ACCEPT']).catch(() => undefined);
  }
  await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  await rm(bridgeIpamDir(bridge), { recursive: true, force: true });
}

/** Everything a container's networking could leave on the host; all lists empty means clean. */
export async function leftovers(env: NetEnv, containerIds: string[], ips: string[]): Promise<Record<string, string[]>> {
  const ls = async (p: string) => (await readdir(p).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  const rules = [...(await run('iptables-save')).stdout.split('\n'), ...(await run('nft', ['list', 'ruleset'])).stdout.split('\n')];
  const natRules = rules.filter((l) => containerIds.some((id) => l.includes(id)) || ips.some((ip) => new RegExp(`\\b${ip.replace(/\./g, '\\.')}\\b`).test(l)));
  // Host-wide: the leases and port claims these containers hold, in any pool.
  const held = (p: string) => {
    let text = '';
    try {
      text = readFileSync(p, 'utf8');
    } catch {
      return false;
    }
    return containerIds.some((id) => text.startsWith(`${id}\r\n`) || text.includes(`"containerId":"${id}"`));
  };
  const leases: string[] = [];
  for (const bridge of await ls(join(HOST_NETWORK_DIR, 'ipam'))) {
    for (const net of await ls(bridgeIpamDir(bridge))) {
      const pool = join(bridgeIpamDir(bridge), net);
      for (const f of await ls(pool)) if (/^\d+\.\d+\.\d+\.\d+$/.test(f) && held(join(pool, f))) leases.push(`${bridge}/${net}/${f}`);
    }
  }
  const ports = (await ls(hostPortsDir)).filter((f) => held(join(hostPortsDir, f)));
  const veths = (await run('ip', ['-o', 'link', 'show', 'master', env.bridge]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
  return {
    iptables: natRules,
    leases,
    ports,
    veths,
    netns: await ls(join(env.runroot, 'netns')),
    // Mounted namespaces whose file is gone would not show above.
    netnsMounts: (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(join(env.runroot, 'netns') + '/')),
    cache: await ls(join(env.root, 'networks', 'cache')),
    endpoints: await ls(join(env.root, 'networks', 'endpoints')),
    files: await ls(join(env.runroot, 'networks')),
  };
}

export const EMPTY_LEFTOVERS = { iptables: [], leases: [], ports: [], veths: [], netns: [], netnsMounts: [], cache: [], endpoints: [], files: [] };

/** Runs busybox inside the container's netns with its hosts file bind-mounted over /etc/hosts (private mount ns). */
export async function inContainer(netns: string, hostsPath: string, cmd: string[]): Promise<{ stdout: string; stderr: string }> {
  const script = 'mount --bind "$0" /etc/hosts && ns="$1" && shift && exec nsenter --net="$ns" busybox "$@"';
  return run('unshare', ['-m', 'sh', '-c', script, hostsPath, netns, ...cmd], { timeout: 20_000 });
}

/** busybox httpd serving `body` at / inside the netns; returns the process to kill. */
export async function startHttpd(netns: string, body: string): Promise<{ proc: ChildProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-net-www-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), body);
  const proc = spawn('nsenter', [`--net=${netns}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', dir], { stdio: 'ignore' });
  // Wait until it listens (checked from inside the netns).
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run('nsenter', [`--net=${netns}`, 'cat', '/proc/net/tcp']);
    if (stdout.includes(':0050 00000000:0000 0A')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, dir };
}

export async function stopHttpd(h: { proc: ChildProcess; dir: string } | undefined): Promise<void> {
  if (!h) return;
  if (h.proc.exitCode === null) {
    const exited = new Promise((r) => h.proc.once('exit', r));
    h.proc.kill('SIGKILL');
    await exited;
  }
  await rm(h.dir, { recursive: true, force: true });
}

export function hostAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

export const readText = (p: string) => readFile(p, 'utf8');
