// Turns a container's docker-shaped configuration into an OCI runtime spec with
// docker's defaults. Pure: everything read from the host (user ids, device
// numbers, volume paths) is resolved by the caller.
import { OCI_VERSION, type LinuxDevice, type LinuxResources, type LinuxSeccomp, type Mount, type Spec } from '../../oci/runtime-spec.js';
import { invalidArgument } from '../../errdefs/index.js';
import { ALL_CAPABILITIES } from '../../runtime/capabilities.js';
import type { DockerConfig, HostConfig, MountPoint } from '../docker-types.js';
import { cleanPath, tmpfsMountData } from '../volumes.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import { dockerSeccompProfile } from './seccomp-profile.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A mount already resolved to a host path (binds, volumes) or a tmpfs. */
export interface ResolvedMount {
  destination: string;
  type: 'bind' | 'tmpfs';
  source: string;
  options: string[];
}

// mount(8)'s flag words that dockerd's MergeTmpfsOptions knows, by the flag they set or clear:
// of two words for one flag (exec, noexec) the last wins, as of propagation modes.
const TMPFS_FLAG_GROUPS: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly', suid: 'nosuid', nosuid: 'nosuid', dev: 'nodev', nodev: 'nodev', exec: 'noexec', noexec: 'noexec',
  sync: 'sync', async: 'sync', dirsync: 'dirsync', remount: 'remount', mand: 'mand', nomand: 'mand', atime: 'noatime', noatime: 'noatime',
  diratime: 'nodiratime', nodiratime: 'nodiratime', relatime: 'relatime', norelatime: 'relatime', strictatime: 'strictatime', nostrictatime: 'strictatime',
  bind: 'propagation', rbind: 'propagation', unbindable: 'propagation', runbindable: 'propagation', private: 'propagation', rprivate: 'propagation',
  shared: 'propagation', rshared: 'propagation', slave: 'propagation', rslave: 'propagation',
};
const TMPFS_DATA_KEYS = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** dockerd's tmpfs options: its defaults (noexec,nosuid,nodev,rprivate) under the user's, one word per flag, the last one winning. */
export function tmpfsOptions(data: string): string[] {
  const options = ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const option of options.reverse()) {
    if (option === 'defaults') continue;
    const group = TMPFS_FLAG_GROUPS[option];
    const eq = option.indexOf('=');
    if (!group && (eq < 0 || !TMPFS_DATA_KEYS.has(option.slice(0, eq)))) {
      const parts = eq < 0 ? [option] : [option.slice(0, eq), option.slice(eq + 1)];
      throw invalidArgument(`invalid tmpfs option [${parts.map((p) => JSON.stringify(p)).join(' ')}]`);
    }
    const key = group ?? `data:${option.slice(0, eq)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.unshift(option);
  }
  return out;
}

/**
 * The container's own mounts for the runtime: its Mounts list (binds, volumes,
 * --mount tmpfs with the options its spec carries) and HostConfig.Tmpfs, parents
 * before children as dockerd sorts them.
 */
export function userMounts(points: MountPoint[], hc: HostConfig): ResolvedMount[] {
  const specOf = (dest: string) => (hc.Mounts ?? []).find((m) => cleanPath(m.Target) === dest);
  const out: ResolvedMount[] = Object.entries(hc.Tmpfs ?? {}).map(([dest, data]) => ({ destination: cleanPath(dest), type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(data) }));
  const tmpfsFlags = new Set(out.map((m) => m.destination));
  for (const m of points) {
    const spec = specOf(m.Destination);
    if (m.Type === 'tmpfs') {
      // Records made before --tmpfs left .Mounts listed its mounts there too.
      if (tmpfsFlags.has(m.Destination)) continue;
      out.push({ destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(spec ? tmpfsMountData(spec) : m.RW ? '' : 'ro') });
      continue;
    }
    const recursive = !spec?.BindOptions?.NonRecursive;
    out.push({ destination: m.Destination, type: 'bind', source: m.Source, options: [recursive ? 'rbind' : 'bind', m.Propagation || 'rprivate', ...(m.RW ? [] : ['ro'])] });
  }
  const depth = (p: string) => p.split('/').length;
  return out.sort((a, b) => depth(a.destination) - depth(b.destination));
}

export interface SpecInputs {
  id: string;
  config: DockerConfig;
  hostConfig: HostConfig;
  /** Absolute path of the mounted rootfs. */
  rootfs: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
  mounts: ResolvedMount[];
  /** 'host' shares the host's network; a path joins that netns; undefined creates one. */
  network?: 'host' | { netnsPath: string };
  /** Host path of the init binary for --init (bind-mounted at /dev/init). */
  initPath?: string;
  /** Devices resolved from --device (host numbers looked up by the caller). */
  devices: LinuxDevice[];
  /** Each --device's cgroup permissions ("rwm", "r", ...), in the order of `devices`. */
  deviceAccess?: string[];
  /** Host devices for --privileged. */
  privilegedDevices?: LinuxDevice[];
  /** A private cgroup namespace: docker's default on cgroup v2 hosts (v1 hosts share the host's). */
  cgroupns?: boolean;
  /** HostConfig.IpcMode / UTSMode / PidMode: 'host' shares the host's; a path joins that namespace; undefined creates one. */
  ipc?: 'host' | { nsPath: string };
  uts?: 'host' | { nsPath: string };
  pid?: 'host' | { nsPath: string };
}

/** Docker's capability arithmetic: ALL, names with or without CAP_, drop after add; `all` is what this host can grant (privileged and ALL get it), names are checked against every capability. */
export function effectiveCapabilities(hc: HostConfig, all: readonly string[]): string[] {
  if (hc.Privileged) return [...all];
  const norm = (c: string) => {
    const up = c.toUpperCase();
    return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`;
  };
  const add = (hc.CapAdd ?? []).map(norm);
  const drop = (hc.CapDrop ?? []).map(norm);
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !ALL_CAPABILITIES.includes(c)) throw invalidArgument(`invalid capability: ${c.replace(/^CAP_/, '')}`);
  }
  let caps = add.includes('ALL') ? [...all] : [...DEFAULT_CAPABILITIES];
  if (drop.includes('ALL')) caps = [];
  for (const c of add) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  return caps.filter((c) => !drop.includes(c) || add.includes(c));
}

export type SeccompChoice = 'default' | 'unconfined' | { profile: string };

/**
 * HostConfig.SecurityOpt: no-new-privileges, and seccomp=unconfined|builtin|<profile
 * JSON> (the docker CLI sends a profile file's content, not its path).
 */
export function securityOptions(hc: HostConfig): { noNewPrivileges: boolean; seccomp: SeccompChoice } {
  let noNewPrivileges = false;
  let seccomp: SeccompChoice = 'default';
  for (const opt of hc.SecurityOpt ?? []) {
    // key=value, else dockerd's older key:value (split once: a profile's JSON has colons).
    const sep = opt.includes('=') ? opt.indexOf('=') : opt.indexOf(':');
    const [key, value] = sep < 0 ? [opt, ''] : [opt.slice(0, sep), opt.slice(sep + 1)];
    if (key === 'no-new-privileges') noNewPrivileges = value === '' || value === 'true';
    else if (key === 'seccomp') {
      if (value === 'unconfined' || value === 'builtin') seccomp = value === 'builtin' ? 'default' : 'unconfined';
      else if (value.trimStart().startsWith('{')) seccomp = { profile: value };
      else throw invalidArgument(`invalid --security-opt seccomp: expected "unconfined", "builtin" or a profile's JSON content, got "${value}"`);
    } else if (key === 'label' || key === 'apparmor') continue;
    else throw invalidArgument(`invalid --security-opt: "${opt}"`);
  }
  return { noNewPrivileges, seccomp };
}

/** The checks of the spec's inputs docker makes at create: security options, the seccomp profile, oom score, cgroup parent. */
export function validateSpecOptions(hc: HostConfig): void {
  const sec = securityOptions(hc);
  if (typeof sec.seccomp === 'object') dockerSeccompProfile(sec.seccomp.profile, { capabilities: [] });
  const adj = hc.OomScoreAdj ?? 0;
  if (!Number.isInteger(adj) || adj < -1000 || adj > 1000) throw invalidArgument(`Invalid value ${adj}, range for oom score adj is [-1000, 1000]`);
  if ((hc.CgroupParent ?? '').split('/').includes('..')) throw invalidArgument(`invalid cgroup parent "${hc.CgroupParent}": must not contain ".."`);
}

/** docker's cgroupfs cgroupsPath: <CgroupParent>/<id>, under /gantry by default. */
export function cgroupsPath(hc: HostConfig, id: string): string {
  return `${(hc.CgroupParent || '/gantry').replace(/\/+$/, '')}/${id}`;
}

/** Image Env under the options' Env, docker's PATH default, HOSTNAME, TERM with -t. */
export function containerEnv(config: DockerConfig, hostname: string): string[] {
  const env = new Map<string, string>();
  env.set('PATH', `PATH=${DEFAULT_PATH}`);
  env.set('HOSTNAME', `HOSTNAME=${hostname}`);
  if (config.Tty) env.set('TERM', 'TERM=xterm');
  for (const e of config.Env) {
    const key = e.includes('=') ? e.slice(0, e.indexOf('=')) : e;
    env.set(key, e);
  }
  return [...env.values()];
}

export function processArgs(config: DockerConfig): string[] {
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw invalidArgument('no command specified');
  return args;
}

const RLIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as']);

export function resources(hc: HostConfig, devices: LinuxDevice[], privileged: boolean, deviceAccess: string[] = []): LinuxResources {
  const r: LinuxResources = {
    devices: privileged
      ? [{ allow: true, access: 'rwm' }]
      : [
          { allow: false, access: 'rwm' },
          // docker's default device rules: null zero full random urandom tty console ptmx pts, mknod of any
          { allow: true, type: 'c', access: 'm' },
          { allow: true, type: 'b', access: 'm' },
          ...[
            [1, 3],
            [1, 5],
            [1, 7],
            [1, 8],
            [1, 9],
            [5, 0],
            [5, 1],
            [5, 2],
            [136, -1],
            [10, 200],
          ].map(([major, minor]) => ({
            allow: true,
            type: 'c' as const,
            major: major!,
            ...(minor === -1 ? {} : { minor: minor! }),
            access: 'rwm',
          })),
          ...devices.map((d, i) => ({ allow: true, type: d.type as 'c' | 'b', major: d.major!, minor: d.minor!, access: deviceAccess[i] ?? 'rwm' })),
        ],
  };
  if (hc.Memory > 0) {
    r.memory = { limit: hc.Memory };
    if (hc.MemorySwap !== 0) r.memory.swap = hc.MemorySwap === -1 ? -1 : hc.MemorySwap;
    else r.memory.swap = hc.Memory * 2;
  }
  if (hc.MemoryReservation > 0) r.memory = { ...r.memory, reservation: hc.MemoryReservation };
  if (hc.OomKillDisable) r.memory = { ...r.memory, disableOOMKiller: true };
  if (hc.NanoCpus > 0 || hc.CpuShares > 0 || hc.CpusetCpus || hc.CpuPeriod || hc.CpuQuota || hc.CpusetMems) {
    r.cpu = {};
    if (hc.NanoCpus > 0) {
      r.cpu.period = 100000;
      r.cpu.quota = Math.round((hc.NanoCpus * 100000) / 1e9);
    }
    if (hc.CpuPeriod) r.cpu.period = hc.CpuPeriod;
    if (hc.CpuQuota) r.cpu.quota = hc.CpuQuota;
    if (hc.CpuShares > 0) r.cpu.shares = hc.CpuShares;
    if (hc.CpusetCpus) r.cpu.cpus = hc.CpusetCpus;
    if (hc.CpusetMems) r.cpu.mems = hc.CpusetMems;
  }
  if (hc.BlkioWeight) r.blockIO = { weight: hc.BlkioWeight };
  if (hc.PidsLimit !== null && hc.PidsLimit !== 0) r.pids = { limit: hc.PidsLimit };
  return r;
}

function baseMounts(hc: HostConfig): Mount[] {
  const shm = hc.ShmSize > 0 ? hc.ShmSize : 67108864;
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', hc.Privileged ? 'rw' : 'ro'] },
    // the container's own cgroups only (runtime/plan: planCgroupMount), writable for --privileged as in docker
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', hc.Privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
  ];
}

export function buildSpec(inp: SpecInputs, allCapabilities: readonly string[]): Spec {
  const { config, hostConfig: hc } = inp;
  const privileged = hc.Privileged;
  const caps = effectiveCapabilities(hc, allCapabilities);
  const sec = securityOptions(hc);
  const hostname = config.Hostname || inp.id.slice(0, 12);
  const args = processArgs(config);
  const initArgs = hc.Init ? ['/dev/init', '--', ...args] : args;

  const mounts = baseMounts(hc);
  const userDestinations = new Set(inp.mounts.map((m) => m.destination));
  const fileMounts: [string, string][] = [
    ['/etc/resolv.conf', inp.resolvConfPath],
    ['/etc/hostname', inp.hostnamePath],
    ['/etc/hosts', inp.hostsPath],
  ];
  for (const [dest, source] of fileMounts) {
    if (!userDestinations.has(dest)) mounts.push({ destination: dest, type: 'bind', source, options: ['rbind', 'rprivate'] });
  }
  for (const m of inp.mounts) {
    // A user mount replaces a default one at the same place (e.g. -v x:/dev/shm).
    const i = mounts.findIndex((d) => d.destination === m.destination);
    if (i >= 0) mounts.splice(i, 1);
    mounts.push(m.type === 'tmpfs' ? { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: m.options } : { destination: m.destination, type: 'bind', source: m.source, options: m.options });
  }
  if (inp.initPath) mounts.push({ destination: '/dev/init', type: 'bind', source: inp.initPath, options: ['bind', 'ro'] });

  const namespaces: { type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup'; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (inp.cgroupns) namespaces.push({ type: 'cgroup' });
  if (inp.network === undefined) namespaces.push({ type: 'network' });
  else if (inp.network !== 'host') namespaces.push({ type: 'network', path: inp.network.netnsPath });
  // With host networking docker shares the host's UTS namespace too.
  const uts = inp.uts ?? (inp.network === 'host' ? 'host' : undefined);
  for (const [type, mode] of [['ipc', inp.ipc], ['uts', uts], ['pid', inp.pid]] as const) {
    const i = namespaces.findIndex((n) => n.type === type);
    if (mode === 'host') namespaces.splice(i, 1);
    else if (mode) namespaces[i] = { type, path: mode.nsPath };
  }

  const rlimits = (hc.Ulimits ?? []).map((u) => {
    if (!RLIMIT_NAMES.has(u.Name)) throw invalidArgument(`invalid ulimit type: ${u.Name}`);
    return { type: `RLIMIT_${u.Name.toUpperCase()}`, soft: u.Soft, hard: u.Hard };
  });

  // As in docker, a privileged container runs without seccomp, even with a profile given.
  let seccomp: LinuxSeccomp | undefined;
  if (!privileged && sec.seccomp === 'default') seccomp = defaultSeccompProfile(caps);
  else if (!privileged && typeof sec.seccomp === 'object') seccomp = dockerSeccompProfile(sec.seccomp.profile, { capabilities: caps });

  const devices = [...inp.devices, ...(privileged ? inp.privilegedDevices ?? [] : [])];
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: config.Tty,
      ...(config.Tty && hc.ConsoleSize?.[0] && hc.ConsoleSize[1] ? { consoleSize: { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } } : {}),
      user: { uid: inp.user.uid, gid: inp.user.gid, ...(inp.user.additionalGids.length ? { additionalGids: inp.user.additionalGids } : {}) },
      args: initArgs,
      env: containerEnv(config, hostname),
      cwd: config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: sec.noNewPrivileges,
      // 0 keeps the value the process inherits: writing it could lower it, which needs CAP_SYS_RESOURCE.
      ...(hc.OomScoreAdj ? { oomScoreAdj: hc.OomScoreAdj } : {}),
      ...(rlimits.length ? { rlimits } : {}),
    },
    root: { path: inp.rootfs, readonly: hc.ReadonlyRootfs },
    // A shared UTS namespace keeps its owner's names.
    ...(uts ? {} : { hostname }),
    ...(config.Domainname && !uts ? { domainname: config.Domainname } : {}),
    mounts,
    linux: {
      namespaces,
      cgroupsPath: cgroupsPath(hc, inp.id),
      resources: resources(hc, devices, privileged, inp.deviceAccess),
      ...(devices.length ? { devices } : {}),
      ...(hc.Sysctls && Object.keys(hc.Sysctls).length ? { sysctl: { ...hc.Sysctls } } : {}),
      ...(seccomp ? { seccomp } : {}),
      ...(privileged ? {} : { maskedPaths: hc.MaskedPaths ?? MASKED_PATHS, readonlyPaths: hc.ReadonlyPaths ?? READONLY_PATHS }),
    },
  };
  return spec;
}
