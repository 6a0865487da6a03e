// Network setup cost: Gantry's setup+teardown of one container on the default
// bridge with one published port, against podman's (netavark) cost for the same,
// measured as `podman run --rm -p` minus `podman run --rm --network none`.
// Also prints where Gantry's time goes (netns, each CNI plugin's ADD and DEL).
// Usage: node dist/bench/network/run.js [runs=20]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNetworkService } from '../../src/network/index.js';
import { execPlugin } from '../../src/network/cni/exec.js';
import { createNetns, removeNetns } from '../../src/network/netns.js';
import { FastBridge } from '../../src/network/fastbridge.js';
import type { CniResult } from '../../src/network/cni/types.js';
import type { StoredConfList } from '../../src/network/conflist.js';
import { readFile } from 'node:fs/promises';

const run = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 20);
const PORT = 18089;
const IMAGE = 'localhost/gantry-bench-busybox:latest';
const CNI_PATH = ['/usr/lib/cni'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function ensurePodmanImage(): Promise<boolean> {
  try {
    await run('podman', ['image', 'exists', IMAGE]);
    return true;
  } catch {
    /* build it */
  }
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-rootfs-'));
  try {
    await run('sh', [new URL('../../../scripts/busybox-rootfs.sh', import.meta.url).pathname, dir]);
    await run('sh', ['-c', `tar -C "${dir}" -c . | podman import - ${IMAGE}`]);
    return true;
  } catch (err) {
    console.error('podman image import failed:', (err as Error).message);
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchPodman(): Promise<{ withNet: number; none: number } | undefined> {
  if (!(await ensurePodmanImage())) return undefined;
  // runc and explicit ulimits: on these machines crun refuses the hybrid cgroup
  // layout, and root lacks CAP_SYS_RESOURCE for podman's default RLIMIT_NPROC/NOFILE.
  const fixed = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];
  const podman = (args: string[]) => run('podman', ['run', '--rm', ...fixed, ...args, IMAGE, 'true']);
  await podman(['--network', 'none']); // warm-up
  await podman(['-p', `${PORT}:80`, '--network', 'bridge']);
  const withNet: number[] = [];
  const none: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    withNet.push(await timed(() => podman(['-p', `${PORT}:80`, '--network', 'bridge'])));
    none.push(await timed(() => podman(['--network', 'none'])));
  }
  return { withNet: median(withNet), none: median(none) };
}

async function benchGantry(fastDefaultBridge: boolean): Promise<{ setup: number; teardown: number; total: number; breakdown: Record<string, number> }> {
  const root = await mkdtemp(join(tmpdir(), 'gantry-bench-root-'));
  const runroot = await mkdtemp(join(tmpdir(), 'gantry-bench-run-'));
  const defaultNetwork = { bridge: 'gbench0', subnet: '10.130.0.0/16' };
  const svc = await openNetworkService({ root, runroot, defaultNetwork, fastDefaultBridge });
  const setup: number[] = [];
  const teardown: number[] = [];
  const parts: Record<string, number[]> = {};
  const add = (k: string, v: number) => (parts[k] ??= []).push(v);
  try {
    for (let i = -1; i < RUNS; i++) {
      const containerId = `bench${i + 1}`.padEnd(16, '0');
      const req = { containerId, containerName: containerId, hostname: containerId, networks: [{ name: 'bridge' }], ports: [{ hostPort: PORT, containerPort: 80, protocol: 'tcp' as const }] };
      const s = await timed(() => svc.setupContainer(req));
      const t = await timed(() => svc.teardownContainer(containerId));
      if (i >= 0) {
        setup.push(s);
        teardown.push(t);
      }
    }
    // Breakdown of the CNI path: the same steps, one at a time.
    if (fastDefaultBridge) return { setup: median(setup), teardown: median(teardown), total: median(setup) + median(teardown), breakdown: {} };
    const conf = JSON.parse(await readFile(join(root, 'networks', 'bridge.conflist'), 'utf8')) as StoredConfList;
    for (let i = 0; i < RUNS; i++) {
      const containerId = `brk${i}`.padEnd(16, '0');
      const netns = join(runroot, 'netns', containerId);
      add('netns create (unshare + lo up)', await timed(() => createNetns(netns)));
      let prev: CniResult | undefined;
      const stdinFor = (p: (typeof conf.plugins)[number], result?: CniResult) => ({
        ...p,
        cniVersion: conf.cniVersion,
        name: conf.name,
        ...(p.capabilities?.portMappings ? { runtimeConfig: { portMappings: [{ hostPort: PORT, containerPort: 80, protocol: 'tcp' }] } } : {}),
        ...(result ? { prevResult: result } : {}),
      });
      for (const p of conf.plugins) {
        add(`ADD ${p.type}`, await timed(async () => {
          prev = (await execPlugin(p.type, { command: 'ADD', containerId, netns, ifName: 'eth0', cniPath: CNI_PATH, stdin: stdinFor(p, prev) })) as CniResult;
        }));
      }
      for (const p of [...conf.plugins].reverse()) {
        add(`DEL ${p.type}`, await timed(() => execPlugin(p.type, { command: 'DEL', containerId, netns, ifName: 'eth0', cniPath: CNI_PATH, stdin: stdinFor(p, prev) })));
      }
      add('netns remove (umount + unlink)', await timed(() => removeNetns(netns)));
    }
  } finally {
    await svc.gc(new Set()).catch(() => undefined);
    // The bridge, its NAT table and FORWARD rules (the fast path's once-per-boot setup).
    const conf = JSON.parse(await readFile(join(root, 'networks', 'bridge.conflist'), 'utf8')) as StoredConfList;
    await new FastBridge(conf).destroy();
    await rm(root, { recursive: true, force: true });
    await rm(runroot, { recursive: true, force: true });
  }
  const breakdown = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)]));
  return { setup: median(setup), teardown: median(teardown), total: median(setup) + median(teardown), breakdown };
}

const g = await benchGantry(true);
const cni = await benchGantry(false);
for (const [label, r] of [['default bridge fast path (ip -batch + nft)', g], ['CNI path (bridge+host-local, portmap, firewall)', cni]] as const) {
  console.log(`gantry, ${label}, ${RUNS} runs, medians:`);
  console.log(`  setupContainer     ${ms(r.setup)}`);
  console.log(`  teardownContainer  ${ms(r.teardown)}`);
  console.log(`  total              ${ms(r.total)}`);
  if (Object.keys(r.breakdown).length > 0) console.log('  breakdown:');
  for (const [k, v] of Object.entries(r.breakdown)) console.log(`    ${k.padEnd(32)} ${ms(v)}`);
}
const p = await benchPodman();
if (p) {
  const podmanNet = p.withNet - p.none;
  console.log(`podman (netavark), ${RUNS} runs, medians:`);
  console.log(`  run --rm -p ${PORT}:80 --network bridge  ${ms(p.withNet)}`);
  console.log(`  run --rm --network none             ${ms(p.none)}`);
  console.log(`  network cost (difference)           ${ms(podmanNet)}`);
  console.log(`ratio gantry/podman network cost: fast path ${(g.total / podmanNet).toFixed(2)}x (target <= 0.5x), CNI path ${(cni.total / podmanNet).toFixed(2)}x`);
} else {
  console.log('podman: not measured');
}
