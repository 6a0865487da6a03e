// Debian's containerd 1.6 with its CRI plugin on temporary dirs, as
// bench/cri/run.sh starts it (runc, overlayfs, a CNI bridge+portmap conf of its
// own, restrict_oom_score_adj), for tests that compare Gantry's CRI with it.
// Everything it makes is its own: the runc root, the bridge and its CNI network
// name, the cgroup parent of its pods. stop() removes the pods it left, then
// containerd, its shims, their containers, mounts, its bridge, and what CNI DEL
// would have removed had containerd died first: netns, cached results,
// masquerade rules.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import grpc from '@grpc/grpc-js';
import { loadCriServices } from '../../../src/api/cri/proto.js';
import { criService, type CriService } from './cri-client.js';

export interface ContainerdCri {
  runtime: CriService;
  image: CriService;
  dir: string;
  /** The cgroup parent pods should use, so stop() finds what runc left in cgroupfs. */
  cgroupParent: string;
  /** Imports a docker-archive into the k8s.io namespace (again, after a test removed an image). */
  importImages(tar: string): void;
  stop(): Promise<void>;
}

const onPath = (tool: string) => (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, tool)));

/** Why containerd cannot run here, or undefined when it can. */
export function containerdMissing(): string | undefined {
  const tool = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc'].find((t) => !onPath(t));
  if (tool) return `${tool} is not installed (scripts/install-deps.sh installs containerd and runc)`;
  if (!existsSync('/usr/lib/cni/bridge')) return 'the CNI plugins are not in /usr/lib/cni';
  return undefined;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const tryRun = (cmd: string, args: string[]) => {
  try {
    return run(cmd, args);
  } catch {
    return '';
  }
};

/** Starts containerd and imports `imagesTar` (a docker-archive) into its k8s.io namespace. */
export async function startContainerd(imagesTar: string, pauseImage: string): Promise<ContainerdCri> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-containerd-'));
  const tag = dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, '0');
  const network = `gantry-compare-${tag}`;
  const bridge = `gcmp${tag}`;
  const cgroupParent = `/gantry-compare-${tag}`;
  const socket = join(dir, 'containerd.sock');
  await mkdir(join(dir, 'cni'));
  await writeFile(
    join(dir, 'cni', '10-compare.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: network,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.213.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'cni-ipam') },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
  );
  await writeFile(
    join(dir, 'containerd.toml'),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${dir}/containerd.ttrpc.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  # root here lacks CAP_SYS_RESOURCE: containers may not get a lower oom_score_adj than ours
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # Our own runc root, so a teardown after a failure finds our containers only.
        Root = "${dir}/runc"
`,
  );
  const child: ChildProcess = spawn('containerd', ['--config', join(dir, 'containerd.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const services = loadCriServices();
  const runtimeClient = new services.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const imageClient = new services.ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  const runtime = criService(runtimeClient);

  const importImages = (tar: string) => void run('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', '--all-platforms', tar]);
  const removePods = async () => {
    const { items } = await runtime.call('ListPodSandbox', {});
    for (const s of items) {
      await runtime.call('StopPodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
      await runtime.call('RemovePodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
    }
  };
  const stop = async () => {
    await removePods().catch(() => undefined);
    runtimeClient.close();
    imageClient.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    // A containerd that hangs on SIGTERM is killed.
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    killLeftovers(dir, socket);
    await removeCniLeftovers(network);
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(dir + '/'));
    for (const m of mounts.reverse()) tryRun('umount', ['-l', m]);
    tryRun('ip', ['link', 'del', bridge]);
    removeMasqueradeRules(network);
    for (const ctrl of safeReaddir('/sys/fs/cgroup')) removeCgroupTree(join('/sys/fs/cgroup', ctrl, cgroupParent));
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };

  try {
    for (let i = 0; !existsSync(socket); i++) {
      if (child.exitCode !== null || i > 300) throw new Error(`containerd did not start: ${log.slice(-2000)}`);
      await sleep(50);
    }
    importImages(imagesTar);
    // The CRI plugin is ready once its status reports the runtime ready.
    for (let i = 0; ; i++) {
      const ok = await runtime
        .call('Status', {})
        .then((s) => s.status.conditions.every((c: { status: boolean }) => c.status))
        .catch(() => false);
      if (ok) break;
      if (i > 200) throw new Error(`containerd's CRI is not ready: ${log.slice(-2000)}`);
      await sleep(50);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { runtime, image: criService(imageClient), dir, cgroupParent, importImages, stop };
}

const safeReaddir = (d: string) => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};

const CNI_CACHE = '/var/lib/cni/results';

/**
 * What CNI DEL would have removed of pods containerd never tore down (it died,
 * or a pod's removal failed): their network namespaces (named in the cached
 * results of our network) and the cache files themselves.
 */
async function removeCniLeftovers(network: string): Promise<void> {
  for (const file of safeReaddir(CNI_CACHE).filter((f) => f.startsWith(`${network}-`))) {
    let cached: { containerId?: string; result?: { interfaces?: { sandbox?: string }[] } } = {};
    try {
      cached = JSON.parse(readFileSync(join(CNI_CACHE, file), 'utf8'));
    } catch {
      // unreadable: the file goes all the same
    }
    for (const netns of new Set((cached.result?.interfaces ?? []).map((i) => i.sandbox).filter((p): p is string => !!p))) {
      tryRun('umount', [netns]);
      await rm(netns, { force: true });
    }
    await rm(join(CNI_CACHE, file), { force: true });
    if (cached.containerId) await rm(join(CNI_CACHE, `cni-loopback-${cached.containerId}-lo`), { force: true });
  }
}

/**
 * The containers in our runc root, then the shims started with our socket as
 * -address and the sockets they leave in /run/containerd/s (named by the
 * sha256 of address/namespace/id) when killed.
 */
function killLeftovers(dir: string, address: string): void {
  const runcRoot = join(dir, 'runc');
  for (const ns of safeReaddir(runcRoot)) {
    const list = tryRun('runc', ['--root', join(runcRoot, ns), 'list', '-q']).split('\n').filter(Boolean);
    for (const id of list) tryRun('runc', ['--root', join(runcRoot, ns), 'delete', '--force', id]);
  }
  for (const pid of safeReaddir('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string[] = [];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const flag = (name: string) => args[args.indexOf(name) + 1] ?? '';
    if (!args[0]?.includes('containerd-shim') || flag('-address') !== address) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    const hash = createHash('sha256').update(join(address, flag('-namespace'), flag('-id'))).digest('hex');
    rmSync(join('/run/containerd/s', hash), { force: true });
  }
}

/** The bridge plugin's ipMasq rules carry the network's name in their comment; CNI DEL removes them, a crash may not. */
function removeMasqueradeRules(network: string): void {
  const rules = tryRun('iptables-save', ['-t', 'nat']).split('\n');
  for (const rule of rules.filter((r) => r.startsWith('-A ') && r.includes(`name: \\"${network}\\"`))) {
    const args = rule.slice(3).match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    tryRun('iptables', ['-t', 'nat', '-D', ...args.map((a) => (a.startsWith('"') ? JSON.parse(a) : a))]);
  }
  for (const chain of rules.filter((r) => r.startsWith(':CNI-')).map((r) => r.slice(1).split(' ')[0]!)) {
    // The per-pod chain the removed POSTROUTING rule jumped to.
    if (rules.some((r) => r.startsWith(`-A ${chain} `) && r.includes(`name: \\"${network}\\"`))) {
      tryRun('iptables', ['-t', 'nat', '-F', chain]);
      tryRun('iptables', ['-t', 'nat', '-X', chain]);
    }
  }
}

function removeCgroupTree(path: string): void {
  for (const e of safeReaddir(path)) {
    const sub = join(path, e);
    try {
      if (!existsSync(join(sub, 'cgroup.procs'))) continue;
    } catch {
      continue;
    }
    removeCgroupTree(sub);
  }
  try {
    rmdirSync(path);
  } catch {
    // absent, or a controller this path never existed in
  }
}
