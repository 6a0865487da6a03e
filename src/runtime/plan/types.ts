// The launch plan: what the native helper (native/gantry-init) executes literally.
// Numbers mirror native/common/plan-protocol.h; docs/helper-protocol.md describes both.

export const PLAN_MAGIC = 0x59544e47; // "GNTY"
export const PLAN_VERSION = 6;

export const enum Mode {
  Create = 1,
  Exec = 2,
}

export type OpKind =
  | 'mount'
  | 'remount'
  | 'mkdir'
  | 'symlink'
  | 'mknod'
  | 'chown'
  | 'pivot_root'
  | 'move_root'
  | 'chroot'
  | 'mask'
  | 'readonly'
  | 'sysctl'
  | 'sethostname'
  | 'setdomainname'
  | 'chdir'
  | 'hooks'
  | 'chmod';

export const OP_CODES: Record<OpKind, number> = {
  mount: 1,
  remount: 2,
  mkdir: 3,
  symlink: 4,
  mknod: 5,
  chown: 6,
  pivot_root: 7,
  move_root: 8,
  mask: 9,
  readonly: 10,
  sysctl: 11,
  sethostname: 12,
  setdomainname: 13,
  chdir: 14,
  hooks: 15,
  chmod: 16,
  chroot: 17,
};

/** Op flags (OPF_* in plan-protocol.h). */
export const OpFlag = {
  InRoot: 1,
  Mkdir: 2,
  Mkfile: 4,
  Mkauto: 8,
  Optional: 16,
  ReopenRoot: 32,
  EnclosingMount: 64,
} as const;

export interface PlanOp {
  kind: OpKind;
  flags?: number;
  mountFlags?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  major?: number;
  minor?: number;
  src?: string;
  dst?: string;
  fstype?: string;
  data?: string;
}

/** One cgroup hierarchy as a "cgroup" mount shows it to the container. */
export interface CgroupHierarchyMount {
  /** Directory under the mount: "memory", "cpu,cpuacct", "systemd", "unified"; "" for the only hierarchy of a v2 host. */
  name: string;
  fstype: 'cgroup' | 'cgroup2';
  /** Mount data for a fresh mount in a cgroup namespace: "memory", "name=systemd", "" for cgroup2. */
  data: string;
  /** Host path of the container's own cgroup in this hierarchy. */
  source: string;
}

/** The host's cgroup layout as far as a "cgroup" mount needs it. */
export interface CgroupMountFacts {
  version: 1 | 2;
  /** v1: every v1 hierarchy (named ones too) and the hybrid cgroup2 one; v2: the one hierarchy. */
  hierarchies: CgroupHierarchyMount[];
}

export interface NamespaceJoin {
  /** CLONE_NEW* of the namespace, given to setns(2). */
  type: number;
  path: string;
}

export interface PlanRlimit {
  resource: number;
  soft: bigint;
  hard: bigint;
}

export interface PlanHook {
  path: string;
  args: string[];
  env: string[];
  timeout: number;
}

/** Capability sets as 64-bit masks. */
export interface PlanCapabilities {
  bounding: bigint;
  effective: bigint;
  inheritable: bigint;
  permitted: bigint;
  ambient: bigint;
}

export interface LaunchPlan {
  mode: Mode;
  cloneFlags: number;
  joins: NamespaceJoin[];
  uidMap?: string;
  gidMap?: string;
  setgroupsDeny?: boolean;
  rootfs?: string;
  ops: PlanOp[];
  rlimits: PlanRlimit[];
  capabilities?: PlanCapabilities;
  seccomp?: { program: Buffer; flags: number };
  noNewPrivileges: boolean;
  uid: number;
  gid: number;
  additionalGids: number[];
  umask?: number;
  cwd: string;
  env: string[];
  args: string[];
  oomScoreAdj?: number;
  terminal: boolean;
  consoleSocket?: string;
  consoleSize?: { rows: number; cols: number };
  cgroupProcs: string[];
  fifo?: string;
  /** Reopen the fifo through its directory, not /proc/self/fd: the root has no /proc (no mount namespace). */
  fifoViaDir?: boolean;
  startContainerHooks: PlanHook[];
  /** State JSON for startContainer hooks, split where the helper inserts the host pid. */
  stateJson?: { beforePid: string; afterPid: string };
  /** The helper's parent waits for the process and exits with its status. */
  wait: boolean;
  preserveFds: number;
  /** Written by the helper's parent (atomically) once the process is set up. */
  pidFile?: string;
  /** Name of a new session keyring for the init (unset with --no-new-keyring and for exec). */
  sessionKeyring?: string;
  /** Bring "lo" up in the network namespace the plan creates, as runc does. */
  loopbackUp?: boolean;
  /** ioprio_set(2) value for the process: class << 13 | priority. */
  ioPriority?: number;
  /** personality(2) persona (linux.personality; create only). */
  personality?: number;
  /** sched_setattr(2) for the process (process.scheduler). */
  scheduler?: PlanScheduler;
  /** CPU masks (cpu_set_t bytes): initial for the helper before the cgroup join, final before execve. */
  cpuAffinity?: { initial?: Buffer; final?: Buffer };
  /**
   * The process becomes a child of the helper's parent (a monitor) instead of
   * the helper's, and gets SIGKILL when that parent dies (create without wait).
   */
  dieWithParent?: boolean;
}

export interface PlanScheduler {
  policy: number;
  flags: number;
  nice: number;
  priority: number;
  runtime: number;
  deadline: number;
  period: number;
}

/** Linux clone(2) namespace flags. */
export const CLONE = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
} as const;

/** Names of the namespace files in /proc/<pid>/ns. */
export const NS_FILE = {
  mount: 'mnt',
  uts: 'uts',
  ipc: 'ipc',
  user: 'user',
  pid: 'pid',
  network: 'net',
  cgroup: 'cgroup',
  time: 'time',
} as const;

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  STRICTATIME: 1 << 24,
} as const;
