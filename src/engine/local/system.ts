// The Engine interface's system part, in-process: ping, version, info, disk
// usage, the event stream, registry login checks and build cache prune.
import { existsSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { EventsOptions, SystemAPI } from '../api.js';
import type { AuthConfig, SystemDf, SystemInfo, SystemVersion } from '../api-types.js';
import type { EngineCore } from '../engine.js';
import { diskUsage, toSystemDf } from '../disk-usage.js';
import { BuildCacheIndex } from '../build-cache.js';
import type { BuildPruneReport } from '../api-types.js';
import { requireImageService } from '../image-service.js';
import { ENGINE_API_VERSION, ENGINE_MIN_API_VERSION, ENGINE_VERSION } from '../version.js';

const goArch = () => (arch() === 'x64' ? 'amd64' : arch());

export function localSystem(core: EngineCore): SystemAPI {
  return {
    ping: async () => ({ apiVersion: ENGINE_API_VERSION, osType: 'linux' }),
    version: async () => engineVersion(),
    info: () => engineInfo(core),
    df: async (opts) => {
      const df = toSystemDf(await diskUsage(core));
      return onlyTypes(df, opts?.type);
    },
    events: (opts: EventsOptions) => core.events.subscribe(opts),
    auth: (config) => checkAuth(config),
    buildPrune: (opts) => pruneBuildCache(core, opts?.all ?? false),
  };
}

export function engineVersion(): SystemVersion {
  const details = { ApiVersion: ENGINE_API_VERSION, Arch: goArch(), BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: process.version, KernelVersion: release(), MinAPIVersion: ENGINE_MIN_API_VERSION, Os: 'linux' };
  return {
    Platform: { Name: 'Gantry Engine' },
    Components: [{ Name: 'Engine', Version: ENGINE_VERSION, Details: details }],
    Version: ENGINE_VERSION,
    ApiVersion: ENGINE_API_VERSION,
    MinAPIVersion: ENGINE_MIN_API_VERSION,
    GitCommit: '',
    // docker's field names the Go toolchain; ours is Node's
    GoVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: '',
  };
}

/** docker system df's ?type=: only the parts asked for, the others empty. */
function onlyTypes(df: SystemDf, types: ('container' | 'image' | 'volume' | 'build-cache')[] | undefined): SystemDf {
  if (!types || types.length === 0) return df;
  const want = new Set(types);
  return {
    ...df,
    ...(want.has('image') ? {} : { Images: [], LayersSize: 0 }),
    ...(want.has('container') ? {} : { Containers: [] }),
    ...(want.has('volume') ? {} : { Volumes: [] }),
  };
}

/** The registry accepts these credentials (docker login's daemon side); nothing is stored. */
async function checkAuth(config: AuthConfig): Promise<{ Status: string; IdentityToken?: string }> {
  const { checkLogin } = await import('../../images/auth/credentials.js');
  let { username = '', password = '' } = config;
  if (!username && config.auth) {
    const plain = Buffer.from(config.auth, 'base64').toString();
    const colon = plain.indexOf(':');
    [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  await checkLogin({ ...(config.serveraddress ? { server: config.serveraddress } : {}), username, password });
  return { Status: 'Login Succeeded', IdentityToken: '' };
}

async function osRelease(): Promise<Record<string, string>> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z_]+)=("?)(.*)\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/** dockerd's engine-id: a UUID made once per root. */
async function engineId(root: string): Promise<string> {
  const path = join(root, 'engine-id');
  const known = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (known) return known;
  const id = randomUUID();
  await mkdir(root, { recursive: true });
  await writeFile(path, id, { flag: 'wx' }).catch(() => undefined);
  return (await readFile(path, 'utf8').catch(() => id)).trim();
}

const cgroupV2 = () => existsSync('/sys/fs/cgroup/cgroup.controllers');

async function imageCount(core: EngineCore): Promise<number> {
  try {
    return (await requireImageService(core.images, 'info').list()).length;
  } catch {
    return 0;
  }
}

export async function engineInfo(core: EngineCore): Promise<SystemInfo> {
  const [records, images, os, id, forwarding] = await Promise.all([
    core.store.list().then((rs) => Promise.all(rs.filter((r) => r.Gantry.creator === undefined).map((r) => core.containers.view(r)))),
    imageCount(core),
    osRelease(),
    engineId(core.root),
    readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '0'),
  ]);
  const v2 = cgroupV2();
  const running = records.filter((r) => r.State.Running && !r.State.Paused).length;
  const paused = records.filter((r) => r.State.Paused).length;
  return {
    ID: id,
    Containers: records.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: records.length - running - paused,
    Images: images,
    Driver: 'overlay',
    DriverStatus: [],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    // v2's memory controller carries swap limits wherever the kernel accounts swap; v1 needs memsw
    SwapLimit: v2 || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: forwarding.trim() === '1',
    Debug: false,
    NFd: readdirSync('/proc/self/fd').length,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: v2 ? '2' : '1',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: os.PRETTY_NAME ?? 'linux',
    OSVersion: os.VERSION_ID ?? '',
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: null },
    DockerRootDir: core.root,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: ENGINE_VERSION,
    Runtimes: core.runtimes.list(),
    DefaultRuntime: 'gantry',
    Swarm: { LocalNodeState: 'inactive', NodeID: '', NodeAddr: '', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    SecurityOptions: ['name=seccomp,profile=builtin', ...(v2 ? ['name=cgroupns'] : [])],
    Warnings: null,
  };
}

/**
 * builder prune: drops cache entries (without `all`, only those whose image no
 * tag names) and removes their images where nothing else holds them; shared
 * layers stay with the images that use them.
 */
async function pruneBuildCache(core: EngineCore, all: boolean): Promise<BuildPruneReport> {
  const svc = requireImageService(core.images, 'builder prune');
  const index = new BuildCacheIndex(core.root);
  const du = await diskUsage(core);
  const chosen = du.buildCache.filter((b) => all || !b.inUse);
  const live = new Set(du.buildCache.map((b) => b.key));
  // entries whose image went another way (rmi, image prune) go too
  index.drop([...chosen.map((b) => b.key), ...Object.keys(index.entries()).filter((k) => !live.has(k))]);
  let reclaimed = 0;
  for (const b of chosen) {
    if (b.inUse) continue;
    const removed = await svc.remove(b.imageId, { noPrune: false }).catch(() => undefined);
    if (removed) reclaimed += b.size;
  }
  return { CachesDeleted: chosen.map((b) => b.key.slice(0, 25)), SpaceReclaimed: reclaimed };
}
