// OCI config → launch plan. Pure functions: every host fact the plan depends on
// arrives in the options, so the whole translation is unit-testable without root.
import { isAbsolute, join, resolve } from 'node:path';
import type { Hook, LinuxDevice, LinuxDeviceCgroup, LinuxIDMapping, LinuxResources, Mount, POSIXRlimit, Process, Spec, State } from '../../oci/runtime-spec.js';
import { invalidArgument, notImplemented } from '../../errdefs/index.js';
import { capabilityMask } from '../capabilities.js';
import { parseMountOptions, PROPAGATION } from './mount-options.js';
import { CLONE, MS, Mode, NS_FILE, OpFlag } from './types.js';
import type { CgroupHierarchyMount, CgroupMountFacts, LaunchPlan, NamespaceJoin, PlanCapabilities, PlanHook, PlanOp, PlanRlimit, PlanScheduler } from './types.js';

export interface ProcessPlanOptions {
  consoleSocket?: string;
  /** Absolute path the helper writes the process's pid to, like --pid-file. */
  pidFile?: string;
  cgroupProcs?: string[];
  preserveFds?: number;
  /** The helper's parent waits for the process and exits with its status. */
  wait?: boolean;
  /** Compiled linux.seccomp (runtime/seccomp), when the config has one. */
  seccomp?: { program: Buffer; flags: number };
  /** Sink for fields the host cannot honour. */
  warn?: (msg: string) => void;
  /** Whether AppArmor / SELinux are enabled on the host. */
  apparmor?: boolean;
  selinux?: boolean;
}

export interface LaunchPlanOptions extends ProcessPlanOptions {
  /** Absolute rootfs path (root.path resolved against the bundle). */
  rootfs?: string;
  /** exec.fifo the init blocks on until start. */
  fifo?: string;
  noPivot?: boolean;
  /** Join a new session keyring with this name (runc uses the container id; unset for --no-new-keyring). */
  sessionKeyring?: string;
  /** State given to startContainer hooks; the helper adds the pid. */
  state?: Omit<State, 'pid'>;
  /** Where the container's cgroups are on the host, for "cgroup" mounts (without: an empty tmpfs). */
  cgroupMounts?: CgroupMountFacts;
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const DEFAULT_DEVICES: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666 },
];

const DEFAULT_SYMLINKS: [string, string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

/** Device cgroup rules every container gets after the config's own (runc's allowed devices). */
const ALLOWED_DEVICE_RULES: LinuxDeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  ...DEFAULT_DEVICES.map((d): LinuxDeviceCgroup => ({ allow: true, type: 'c', major: d.major, minor: d.minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
];

/** The resources to apply: the config's device rules, then the default devices and linux.devices allowed. */
export function cgroupResources(spec: Spec): LinuxResources {
  const resources = spec.linux?.resources ?? {};
  const configured = (spec.linux?.devices ?? [])
    .filter((d) => d.type !== 'p')
    .map((d): LinuxDeviceCgroup => ({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: 'rwm' }));
  return { ...resources, devices: [...(resources.devices ?? []), ...ALLOWED_DEVICE_RULES, ...configured] };
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** Namespaces to create (clone flags) and to join (setns), user first and mount last. */
export function planNamespaces(spec: Spec, warn?: (msg: string) => void): { cloneFlags: number; joins: NamespaceJoin[] } {
  let cloneFlags = 0;
  const joins: NamespaceJoin[] = [];
  const seen = new Set<string>();
  for (const ns of spec.linux?.namespaces ?? []) {
    if (seen.has(ns.type)) throw invalidArgument(`config.json: linux.namespaces: duplicate namespace type "${ns.type}"`);
    seen.add(ns.type);
    const flag = CLONE[ns.type];
    if (ns.type === 'time') {
      if (!ns.path) throw notImplemented('config.json: linux.namespaces: creating a time namespace is not supported by this runtime');
      warn?.('joining a time namespace: clock offsets of the joined namespace apply');
    }
    if (ns.path) joins.push({ type: flag, path: ns.path });
    else cloneFlags |= flag;
  }
  const rank = (j: NamespaceJoin) => (j.type === CLONE.user ? 0 : j.type === CLONE.mount ? 2 : 1);
  joins.sort((a, b) => rank(a) - rank(b));
  return { cloneFlags, joins };
}

function idMap(maps: LinuxIDMapping[] | undefined): string | undefined {
  if (!maps?.length) return undefined;
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** linux.rootfsPropagation as mount(2) flags; runc's default is rslave. */
function rootPropagation(spec: Spec): number {
  const p = spec.linux?.rootfsPropagation;
  return p ? (PROPAGATION[p] ?? MS.SLAVE | MS.REC) : MS.SLAVE | MS.REC;
}

function inRoot(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** What every cgroup mount gets, as runc and crun mount them. */
const CGROUP_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC;

export interface MountPlanOptions {
  userns: boolean;
  cgroupMounts?: CgroupMountFacts;
  /** The container has a cgroup namespace (new or joined): cgroup mounts are fresh ones, rooted at its cgroup. */
  cgroupns?: boolean;
}

/** A cgroup mount is read-only unless it asks for "rw" (the last of ro/rw wins). */
function cgroupReadOnly(options: readonly string[] = []): number {
  const last = options.filter((x) => x === 'ro' || x === 'rw').pop();
  return last === 'rw' ? 0 : MS.RDONLY;
}

/**
 * One hierarchy at dst: in a cgroup namespace a fresh mount (the kernel roots it at
 * the namespace's cgroup), else a bind of the container's own cgroup directory,
 * never of the hierarchy's root. Not recursive, so no submount escapes the remount.
 */
function planHierarchy(h: CgroupHierarchyMount, dst: string, flags: number, data: string, opts: MountPlanOptions): PlanOp[] {
  if (opts.cgroupns) return [{ kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: h.fstype, dst, fstype: h.fstype, mountFlags: flags, data }];
  return [
    { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: h.source, dst, mountFlags: MS.BIND },
    { kind: 'remount', flags: OpFlag.InRoot, dst, mountFlags: MS.BIND | flags },
  ];
}

/**
 * A "cgroup" mount. v1: a tmpfs, one directory per hierarchy (named ones and the
 * hybrid cgroup2 one too), symlinks for comounted controllers (cpu -> cpu,cpuacct),
 * then the tmpfs itself read-only. v2: the one hierarchy at dst. A "cgroup2" mount on
 * a v1 host is the hybrid hierarchy; without one it is mounted like any filesystem.
 */
function planCgroupMount(m: Mount, dst: string, opts: MountPlanOptions): PlanOp[] | undefined {
  const o = parseMountOptions(m.options);
  const facts = opts.cgroupMounts ?? { version: 1, hierarchies: [] };
  const flags = CGROUP_FLAGS | (o.flags & ~(MS.REMOUNT | MS.RDONLY)) | cgroupReadOnly(m.options);
  const propagate = (d: string) => o.propagation.map((p): PlanOp => ({ kind: 'mount', flags: OpFlag.InRoot, dst: d, mountFlags: p }));
  const unified = facts.hierarchies.find((h) => h.fstype === 'cgroup2');
  if (facts.version === 2 || m.type === 'cgroup2') {
    if (!unified) return undefined;
    return [...planHierarchy(unified, dst, flags, o.data.join(','), opts), ...propagate(dst)];
  }
  const ops: PlanOp[] = [
    { kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkdir, src: 'tmpfs', dst, fstype: 'tmpfs', mountFlags: CGROUP_FLAGS, data: 'mode=755' },
    ...propagate(dst),
  ];
  const base = dst.replace(/\/+$/, '');
  for (const h of facts.hierarchies) {
    ops.push(...planHierarchy(h, `${base}/${h.name}`, flags, h.data, opts), ...propagate(`${base}/${h.name}`));
  }
  for (const h of facts.hierarchies) {
    if (!h.name.includes(',')) continue;
    for (const controller of h.name.split(',')) ops.push({ kind: 'symlink', flags: OpFlag.InRoot, src: h.name, dst: `${base}/${controller}` });
  }
  if (flags & MS.RDONLY) ops.push({ kind: 'remount', flags: OpFlag.InRoot, dst, mountFlags: MS.BIND | CGROUP_FLAGS | MS.RDONLY });
  return ops;
}

/** One OCI mount → mount ops (mount, then remount for bind flags, then propagation). */
export function planMount(m: Mount, bundle: string, opts: MountPlanOptions): PlanOp[] {
  const o = parseMountOptions(m.options);
  const dst = inRoot(m.destination);
  if (m.type === 'cgroup' || m.type === 'cgroup2') {
    const ops = planCgroupMount(m, dst, opts);
    if (ops) return ops;
  }
  const ops: PlanOp[] = [];
  const type = m.type ?? '';
  const source = m.source ?? '';
  if (o.bind || type === 'bind') {
    const src = isAbsolute(source) ? source : resolve(bundle, source);
    ops.push({ kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkauto, src, dst, mountFlags: MS.BIND | (o.recursive ? MS.REC : 0) });
    const extra = o.flags & ~MS.REMOUNT;
    if (extra) ops.push({ kind: 'remount', flags: OpFlag.InRoot, dst, mountFlags: MS.BIND | extra });
  } else {
    ops.push({
      kind: 'mount',
      flags: OpFlag.InRoot | OpFlag.Mkdir,
      src: source || type,
      dst,
      fstype: type,
      mountFlags: o.flags,
      data: o.data.join(','),
    });
  }
  for (const p of o.propagation) ops.push({ kind: 'mount', flags: OpFlag.InRoot, dst, mountFlags: p });
  return ops;
}

/** /dev/pts (a private devpts instance) and /dev/shm unless the config mounts them itself. */
export function withDefaultMounts(mounts: Mount[]): Mount[] {
  const has = (dst: string) => mounts.some((m) => m.destination.replace(/\/+$/, '') === dst);
  const extra: Mount[] = [];
  if (!has('/dev/pts')) extra.push({ destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] });
  if (!has('/dev/shm')) extra.push({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] });
  if (!extra.length) return mounts;
  // after /dev itself, so a tmpfs on /dev does not hide them
  const dev = mounts.findIndex((m) => m.destination.replace(/\/+$/, '') === '/dev');
  return [...mounts.slice(0, dev + 1), ...extra, ...mounts.slice(dev + 1)];
}

/** Default and configured device nodes; inside a user namespace they are bind mounts of the host's. */
export function planDevices(spec: Spec, userns: boolean): PlanOp[] {
  const configured = spec.linux?.devices ?? [];
  const byPath = new Map<string, LinuxDevice>();
  for (const d of [...DEFAULT_DEVICES, ...configured]) byPath.set(d.path, d);
  const ops: PlanOp[] = [];
  for (const d of byPath.values()) {
    const dst = inRoot(d.path);
    if (userns) {
      ops.push({ kind: 'mount', flags: OpFlag.InRoot | OpFlag.Mkfile, src: d.path, dst, mountFlags: MS.BIND });
      continue;
    }
    const type = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
    ops.push({
      kind: 'mknod',
      flags: OpFlag.InRoot,
      dst,
      mode: type | ((d.fileMode ?? 0o666) & 0o7777),
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    });
  }
  for (const [target, link] of DEFAULT_SYMLINKS) ops.push({ kind: 'symlink', flags: OpFlag.InRoot, src: target, dst: link });
  if (!byPath.has('/dev/ptmx')) ops.push({ kind: 'symlink', flags: OpFlag.InRoot, src: 'pts/ptmx', dst: '/dev/ptmx' });
  return ops;
}

function planHooks(hooks: Hook[] | undefined): PlanHook[] {
  return (hooks ?? []).map((h) => ({ path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? 0 }));
}

export function planRlimits(rlimits: POSIXRlimit[] | undefined): PlanRlimit[] {
  return (rlimits ?? []).map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw invalidArgument(`config.json: process.rlimits[${i}].type: unknown rlimit "${r.type}"`);
    return { resource, soft: BigInt(r.soft), hard: BigInt(r.hard) };
  });
}

export function planCapabilities(p: Process, warn?: (msg: string) => void): PlanCapabilities | undefined {
  const c = p.capabilities;
  if (!c) return undefined;
  const mask = (field: keyof typeof c) => {
    try {
      return capabilityMask(c[field] ?? []);
    } catch (err) {
      throw invalidArgument(`config.json: process.capabilities.${field}: ${(err as Error).message}`);
    }
  };
  const caps = { bounding: mask('bounding'), effective: mask('effective'), inheritable: mask('inheritable'), permitted: mask('permitted'), ambient: mask('ambient') };
  // The kernel raises an ambient capability only if it is permitted and inheritable; like runc, skip the rest with a warning.
  const raisable = caps.ambient & caps.permitted & caps.inheritable;
  if (raisable !== caps.ambient) {
    const skipped = (c.ambient ?? []).filter((name) => (capabilityMask([name]) & raisable) === 0n);
    warn?.(`process.capabilities.ambient: ${skipped.join(', ')} not raised: not in both the permitted and inheritable sets`);
    caps.ambient = raisable;
  }
  return caps;
}

/**
 * A profile or label for an LSM the host lacks is an error, where runc fails too (its
 * apparmor exec write fails; its SELinux check has the text below). With the LSM
 * enabled the runtime cannot apply either yet: a warning, not to break podman/containerd there.
 */
function checkSecurityLabels(p: Process, opts: ProcessPlanOptions): void {
  if (p.apparmorProfile && !opts.apparmor) throw invalidArgument(`unable to apply apparmor profile "${p.apparmorProfile}": AppArmor is not enabled on this host`);
  if (p.selinuxLabel && !opts.selinux) throw invalidArgument('selinux label is specified in config, but selinux is disabled or not supported');
  if (p.apparmorProfile) opts.warn?.(`process.apparmorProfile "${p.apparmorProfile}" ignored: this runtime does not apply AppArmor profiles`);
  if (p.selinuxLabel) opts.warn?.(`process.selinuxLabel "${p.selinuxLabel}" ignored: this runtime does not apply SELinux labels`);
}

const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** process.ioPriority as ioprio_set(2) takes it. */
export function planIoPriority(p: Process): number | undefined {
  if (!p.ioPriority) return undefined;
  const cls = IOPRIO_CLASS[p.ioPriority.class];
  if (cls === undefined) throw invalidArgument(`config.json: process.ioPriority.class: unknown class "${p.ioPriority.class}"`);
  const prio = p.ioPriority.priority;
  if (!Number.isInteger(prio) || prio < 0 || prio > 7) throw invalidArgument(`config.json: process.ioPriority.priority: ${prio} is not in [0, 7]`);
  return (cls << 13) | prio;
}

/** linux.personality as personality(2) takes it (runc knows the two domains and no flags). */
export function planPersonality(spec: Spec, warn?: (msg: string) => void): number | undefined {
  const persona = spec.linux?.personality;
  if (!persona) return undefined;
  const domain = { LINUX: 0x0000, LINUX32: 0x0008 }[persona.domain];
  if (domain === undefined) throw invalidArgument(`config.json: linux.personality.domain: unknown domain "${persona.domain}"`);
  if (persona.flags?.length) warn?.(`linux.personality.flags ignored: ${persona.flags.join(', ')}`);
  return domain;
}

const SCHED_POLICY: Record<string, number> = { SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6 };
const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** process.scheduler as sched_setattr(2) takes it (the config type leaves it open: checked here). */
export function planScheduler(p: Process): PlanScheduler | undefined {
  const s = p.scheduler;
  if (!s) return undefined;
  const field = `config.json: process.scheduler`;
  const policy = SCHED_POLICY[String(s['policy'])];
  if (policy === undefined) throw invalidArgument(`${field}.policy: unknown policy ${JSON.stringify(s['policy'])}`);
  const int = (name: string, min: number, max: number) => {
    const v = s[name] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidArgument(`${field}.${name}: expected an integer in [${min}, ${max}]`);
    return v;
  };
  const flagNames = s['flags'] ?? [];
  if (!Array.isArray(flagNames)) throw invalidArgument(`${field}.flags: expected an array`);
  let flags = 0;
  for (const f of flagNames) {
    const bit = SCHED_FLAG[String(f)];
    if (bit === undefined) throw invalidArgument(`${field}.flags: unknown flag ${JSON.stringify(f)}`);
    flags |= bit;
  }
  return { policy, flags, nice: int('nice', -20, 19), priority: int('priority', 0, 99), runtime: int('runtime', 0, Number.MAX_SAFE_INTEGER), deadline: int('deadline', 0, Number.MAX_SAFE_INTEGER), period: int('period', 0, Number.MAX_SAFE_INTEGER) };
}

/** "0-3,7" → cpu_set_t bytes (1024 CPUs, as glibc's cpu_set_t). */
export function cpuMask(list: string, field: string): Buffer {
  const mask = Buffer.alloc(128);
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || hi < lo || hi >= mask.length * 8) throw invalidArgument(`config.json: ${field}: invalid CPU list "${list}"`);
    for (let cpu = lo; cpu <= hi; cpu++) mask[cpu >> 3]! |= 1 << (cpu & 7);
  }
  return mask;
}

function planAffinity(p: Process): LaunchPlan['cpuAffinity'] {
  const a = p.execCPUAffinity;
  if (!a?.initial && !a?.final) return undefined;
  return {
    ...(a.initial ? { initial: cpuMask(a.initial, 'process.execCPUAffinity.initial') } : {}),
    ...(a.final ? { final: cpuMask(a.final, 'process.execCPUAffinity.final') } : {}),
  };
}

/** The process part shared by create and exec. */
export function planProcess(p: Process, opts: ProcessPlanOptions): Omit<LaunchPlan, 'mode' | 'cloneFlags' | 'joins' | 'ops' | 'startContainerHooks'> {
  const args = p.args ?? [];
  if (args.length === 0) throw invalidArgument('config.json: process.args: expected at least one argument');
  if (p.terminal && !opts.consoleSocket) throw invalidArgument('cannot allocate tty if runc will detach without setting console socket');
  if (!p.terminal && opts.consoleSocket) throw invalidArgument('cannot use console socket if runc will not detach or allocate tty');
  checkSecurityLabels(p, opts);
  return {
    rlimits: planRlimits(p.rlimits),
    capabilities: planCapabilities(p, opts.warn),
    seccomp: opts.seccomp,
    noNewPrivileges: p.noNewPrivileges ?? false,
    uid: p.user.uid,
    gid: p.user.gid,
    additionalGids: p.user.additionalGids ?? [],
    umask: p.user.umask,
    cwd: p.cwd,
    env: p.env ?? [],
    args,
    oomScoreAdj: p.oomScoreAdj,
    terminal: p.terminal ?? false,
    consoleSocket: opts.consoleSocket,
    consoleSize: p.consoleSize ? { rows: p.consoleSize.height, cols: p.consoleSize.width } : undefined,
    cgroupProcs: opts.cgroupProcs ?? [],
    wait: opts.wait ?? false,
    preserveFds: opts.preserveFds ?? 0,
    pidFile: opts.pidFile,
    ioPriority: planIoPriority(p),
    scheduler: planScheduler(p),
    cpuAffinity: planAffinity(p),
  };
}

/**
 * The rootfs in a mount namespace (new or joined, as runc and crun do in both):
 * propagation, the rootfs bound onto itself, the config's mounts, devices, the
 * runtime hooks, pivot_root (or the --no-pivot move), then what needs the new root.
 */
function planRootfs(spec: Spec, bundle: string, rootfs: string, opts: LaunchPlanOptions, mountOpts: MountPlanOptions): PlanOp[] {
  const propagation = rootPropagation(spec);
  const ops: PlanOp[] = [
    { kind: 'mount', dst: '/', mountFlags: propagation },
    // Like runc: the mount holding the rootfs is made private (slave if asked), so
    // pivot_root accepts it, the bind below neither propagates back to the host nor
    // fails on an unbindable "/", and the bind inherits that propagation.
    { kind: 'mount', flags: OpFlag.EnclosingMount, dst: rootfs, mountFlags: propagation & MS.SLAVE ? MS.SLAVE : MS.PRIVATE },
    { kind: 'mount', src: rootfs, dst: rootfs, mountFlags: MS.BIND | MS.REC, flags: OpFlag.ReopenRoot },
  ];
  for (const m of withDefaultMounts(spec.mounts ?? [])) ops.push(...planMount(m, bundle, mountOpts));
  ops.push(...planDevices(spec, mountOpts.userns));
  if (hasRuntimeHooks(spec)) ops.push({ kind: 'hooks' });
  ops.push(opts.noPivot ? { kind: 'move_root' } : { kind: 'pivot_root' });
  // like runc, a missing cwd is created (before the root may turn read-only)
  ops.push({ kind: 'mkdir', flags: OpFlag.InRoot, dst: spec.process!.cwd, mode: 0o755 });
  ops.push(...planNames(spec));
  if (spec.root?.readonly) ops.push({ kind: 'remount', flags: OpFlag.InRoot, dst: '/', mountFlags: MS.BIND | MS.RDONLY });
  for (const p of spec.linux?.readonlyPaths ?? []) ops.push({ kind: 'readonly', flags: OpFlag.InRoot, dst: p });
  for (const p of spec.linux?.maskedPaths ?? []) ops.push({ kind: 'mask', flags: OpFlag.InRoot, dst: p });
  // Shared and unbindable go to the new "/" after the pivot, as runc does (before it
  // they would reach the host's mounts), and last: the readonly paths' binds above
  // would fail on an unbindable /proc. Private and slave were set at the start.
  if (!(propagation & (MS.PRIVATE | MS.SLAVE))) ops.push({ kind: 'mount', flags: OpFlag.InRoot, dst: '/', mountFlags: propagation });
  return ops;
}

/**
 * Without a mount namespace every mount would land in the host's mount table (runc
 * makes them there, and sets "/" to rslave): like crun, the rootfs is only a chroot.
 * What cannot work without mounts is refused, runc's text where runc refuses too.
 */
function planChrootOnly(spec: Spec, opts: LaunchPlanOptions): PlanOp[] {
  if (spec.linux?.maskedPaths?.length || spec.linux?.readonlyPaths?.length) throw invalidArgument('unable to restrict sys entries without a private MNT namespace');
  if (spec.root?.readonly) throw invalidArgument('config.json: root.readonly: needs a mount namespace (remounting the host\'s mount read-only is not done)');
  if (spec.linux?.rootfsPropagation) throw invalidArgument('config.json: linux.rootfsPropagation: needs a mount namespace (the host\'s "/" is not changed)');
  if (opts.noPivot) opts.warn?.('--no-pivot has no effect without a mount namespace: the rootfs is a chroot');
  if (spec.mounts?.length || spec.linux?.devices?.length)
    opts.warn?.('mounts and device nodes not set up: without a mount namespace they would be made in the host\'s mount table');
  const ops: PlanOp[] = [];
  if (hasRuntimeHooks(spec)) ops.push({ kind: 'hooks' });
  ops.push({ kind: 'chroot' });
  ops.push({ kind: 'mkdir', flags: OpFlag.InRoot, dst: spec.process!.cwd, mode: 0o755 });
  ops.push(...planNames(spec));
  return ops;
}

function hasRuntimeHooks(spec: Spec): boolean {
  return [spec.hooks?.prestart, spec.hooks?.createRuntime, spec.hooks?.createContainer].some((h) => h?.length);
}

/** Hostname, domain name and sysctls, once the root is the container's (its /proc/sys). */
function planNames(spec: Spec): PlanOp[] {
  const ops: PlanOp[] = [];
  if (spec.hostname) ops.push({ kind: 'sethostname', data: spec.hostname });
  if (spec.domainname) ops.push({ kind: 'setdomainname', data: spec.domainname });
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {}))
    ops.push({ kind: 'sysctl', flags: OpFlag.InRoot, dst: join('/proc/sys', key.replaceAll('.', '/')), data: value });
  return ops;
}

/** The plan for `create`: new namespaces, the rootfs, and the init process. */
export function buildLaunchPlan(spec: Spec, bundle: string, opts: LaunchPlanOptions = {}): LaunchPlan {
  if (!spec.process) throw invalidArgument('config.json: process: required for create');
  const { cloneFlags, joins } = planNamespaces(spec, opts.warn);
  const has = (flag: number) => (cloneFlags & flag) !== 0 || joins.some((j) => j.type === flag);
  const userns = has(CLONE.user);
  if ((spec.hostname || spec.domainname) && !has(CLONE.uts))
    throw invalidArgument('unable to set hostname without a private UTS namespace');
  if ((cloneFlags & CLONE.user) && !spec.linux?.uidMappings?.length)
    throw invalidArgument('config.json: linux.uidMappings: required with a new user namespace');
  if (opts.noPivot && (rootPropagation(spec) & MS.PRIVATE)) throw invalidArgument('rootfsPropagation of [r]private is not safe without pivot_root');
  if (spec.linux?.intelRdt) opts.warn?.('linux.intelRdt ignored: Intel RDT is not supported by this runtime');
  // without SELinux there is nothing to label: runc and crun mount without it too
  if (spec.linux?.mountLabel) opts.warn?.(`linux.mountLabel ignored: ${opts.selinux ? 'this runtime does not apply SELinux labels' : 'SELinux is not enabled on this host'}`);
  if (spec.linux?.timeOffsets) opts.warn?.('linux.timeOffsets ignored: this runtime cannot create time namespaces');
  for (const m of spec.mounts ?? [])
    if (m.uidMappings?.length || m.gidMappings?.length) throw notImplemented(`config.json: mounts: ${m.destination}: id-mapped mounts are not supported by this runtime`);
  const rootfs = opts.rootfs ?? resolve(bundle, spec.root?.path ?? 'rootfs');
  const mountNs = has(CLONE.mount);
  const ops = mountNs
    ? planRootfs(spec, bundle, rootfs, opts, { userns, cgroupMounts: opts.cgroupMounts, cgroupns: has(CLONE.cgroup) })
    : planChrootOnly(spec, opts);

  return {
    mode: Mode.Create,
    cloneFlags,
    joins,
    uidMap: idMap(spec.linux?.uidMappings),
    gidMap: idMap(spec.linux?.gidMappings),
    rootfs,
    ops,
    startContainerHooks: planHooks(spec.hooks?.startContainer),
    stateJson: opts.state && { beforePid: `${JSON.stringify(opts.state).slice(0, -1)},"pid":`, afterPid: '}' },
    fifo: opts.fifo,
    ...(opts.fifo && !mountNs ? { fifoViaDir: true } : {}),
    sessionKeyring: opts.sessionKeyring,
    loopbackUp: (cloneFlags & CLONE.network) !== 0,
    personality: planPersonality(spec, opts.warn),
    ...planProcess(spec.process, opts),
  };
}

/**
 * The plan for `exec`: join the namespaces of the container's init and run process.
 * Like runc, a process.json without capabilities or rlimits gets the container's.
 */
export function buildExecPlan(spec: Spec, process: Process, initPid: number, opts: ProcessPlanOptions = {}): LaunchPlan {
  const joins: NamespaceJoin[] = [];
  for (const ns of spec.linux?.namespaces ?? []) {
    joins.push({ type: CLONE[ns.type], path: `/proc/${initPid}/ns/${NS_FILE[ns.type]}` });
  }
  const rank = (j: NamespaceJoin) => (j.type === CLONE.user ? 0 : j.type === CLONE.mount ? 2 : 1);
  joins.sort((a, b) => rank(a) - rank(b));
  const inherited: Process = {
    ...process,
    capabilities: process.capabilities ?? spec.process?.capabilities,
    rlimits: process.rlimits?.length ? process.rlimits : spec.process?.rlimits,
  };
  // Without a mount namespace there is none to join: the init's root is a chroot, so is ours.
  const chroot = !spec.linux?.namespaces?.some((ns) => ns.type === 'mount');
  return {
    mode: Mode.Exec,
    cloneFlags: 0,
    joins,
    ...(chroot ? { rootfs: `/proc/${initPid}/root`, ops: [{ kind: 'chroot' }] } : { ops: [] }),
    startContainerHooks: [],
    ...planProcess(inherited, opts),
  };
}
