// The runtime library's public contract: what `bin/gantry-runtime` (runtime/cli/)
// and the engine call. Implemented in runtime/container/; re-exported by runtime/index.ts.
import type { ContainerStatus, LinuxResources, Process, Spec } from '../oci/runtime-spec.js';

export interface RuntimeOptions {
  /** State root, like runc's --root (default /run/gantry/runtime). */
  root: string;
  /** cgroupsPath is "slice:prefix:name" (systemd driver); accepted, mapped onto cgroupfs. */
  systemdCgroup?: boolean;
  /** Diagnostic sink (the CLI writes runc-style --log lines through it). */
  log?: (level: 'debug' | 'info' | 'warning' | 'error', msg: string) => void;
}

/** Exactly the JSON `runc state` prints. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string; // RFC 3339 with nanoseconds
  annotations?: Record<string, string>;
  owner: string;
}

export interface LaunchOptions {
  /** Where the container's pid is written (absolute path), like --pid-file. */
  pidFile?: string;
  /** AF_UNIX socket that receives the pty master (SCM_RIGHTS) when process.terminal is set. */
  consoleSocket?: string;
  /** Extra fds 3..3+N-1 passed to the process, like --preserve-fds. */
  preserveFds?: number;
  /** fds given to the process as 0, 1, 2 (default: the caller's own). */
  stdio?: [number, number, number];
  /**
   * Command the native helper is started under, e.g. the engine's monitor:
   * [monitorPath, ...args]; the helper argv is appended. The wrapper must exec
   * or fork+exec it with fds 0-2 and the plan fd untouched. On create, the
   * container's init becomes the wrapper's child and is killed when it dies.
   */
  wrapper?: string[];
}

export interface CreateOptions extends LaunchOptions {
  id: string;
  /** Bundle directory (holds config.json and usually the rootfs). */
  bundle: string;
  /** Use this spec instead of reading <bundle>/config.json. */
  spec?: Spec;
  noPivot?: boolean;
  noNewKeyring?: boolean;
}

export interface ExecOptions extends LaunchOptions {
  process: Process;
  /** Return as soon as the process runs (else wait for it and report its exit code). */
  detach?: boolean;
  /** Run even if the container is paused. */
  ignorePaused?: boolean;
}

export interface ExecResult {
  pid: number;
  /** Present when not detached: resolves to the exit code (128+signal when killed). */
  exitCode?: number;
}

export interface CgroupStatsSnapshot {
  cpu: { usage: { total: number; percpu?: number[]; kernel: number; user: number }; throttling?: { periods?: number; throttledPeriods?: number; throttledTime?: number } };
  memory: { cache?: number; usage: { limit: number; usage: number; max: number; failcnt: number }; swap?: { limit: number; usage: number; max?: number; failcnt?: number }; raw?: Record<string, number> };
  pids: { current: number; limit?: number };
  blkio?: Record<string, unknown>;
  hugetlb?: Record<string, unknown>;
}

/** The runtime library. All methods throw GantryError with runc's texts. */
export interface Runtime {
  create(opts: CreateOptions): Promise<ContainerState>;
  start(id: string): Promise<void>;
  /** create + start; with no detach it waits and returns the exit code. */
  run(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number>;
  state(id: string): Promise<ContainerState>;
  list(): Promise<ContainerState[]>;
  kill(id: string, signal: number, opts?: { all?: boolean }): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  exec(id: string, opts: ExecOptions): Promise<ExecResult>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Host pids of every process in the container's cgroup. */
  pids(id: string): Promise<number[]>;
  update(id: string, resources: LinuxResources): Promise<void>;
  stats(id: string): Promise<CgroupStatsSnapshot>;
  /** How many processes the kernel has OOM-killed in the container's cgroup (0 where it keeps no count). */
  oomKillCount(id: string): Promise<number>;
  /**
   * The file holding that count ("oom_kill N") for a container with this
   * linux.cgroupsPath, for a watcher such as the engine's monitor; undefined
   * without a memory controller.
   */
  oomCountFile(id: string, cgroupsPath: string | undefined): string | undefined;
}
