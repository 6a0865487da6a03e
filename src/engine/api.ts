// The engine interface every front end calls: the gantry CLI, the Docker
// Engine API server, the CRI server and the builder. Shapes and option names
// are the Docker Engine API's (shared/spec/docker-engine-api), so the daemon's
// routes are a thin translation and a client of the daemon (engine/remote)
// implements the same interface over HTTP as engine/local does in-process.
//
// Rules for implementations:
// - Errors are GantryErrors (src/errdefs) with dockerd's texts; the code maps
//   to the HTTP status (404 not-found, 409 conflict, 400 invalid-argument, ...)
//   and the remote client maps the status back to the same code.
// - `ref` arguments take what dockerd takes: a full or unique-prefix ID or a
//   name (containers with or without the leading "/").
// - Streams end when their AbortSignal fires; nothing keeps running after it.
import type { Readable } from 'node:stream';
import type { ContainerInspect, ContainerSummary, DockerConfig, HostConfig, RestartPolicy } from './docker-types.js';
import type { EngineEvent } from './events.js';
import type {
  AuthConfig,
  BuildPruneReport,
  CommitHistoryEntry,
  ContainerChange,
  ContainerPruneReport,
  ContainerStatsJSON,
  ContainerTop,
  ContainerUpdateConfig,
  ExecCreateConfig,
  ExecInspect,
  Filters,
  HistoryItem,
  ImageInspect,
  ImagePruneReport,
  ImageRemoveItem,
  ImageSummary,
  JSONMessage,
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkCreateResponse,
  NetworkDisconnectRequest,
  NetworkInspect,
  NetworkPruneReport,
  NetworkingConfig,
  PathStat,
  SystemDf,
  SystemInfo,
  SystemVersion,
  Volume,
  VolumeCreateRequest,
  VolumeListResponse,
  VolumePruneReport,
} from './api-types.js';

export type * from './api-types.js';

/** A hijacked stdio stream: attach or exec start. */
export interface IOSession {
  /** Output chunks as they arrive (1 stdout, 2 stderr; a tty's output is all 1). */
  onOutput(fn: (stream: 1 | 2, data: Buffer) => void): void;
  /**
   * Resolves when the output has ended: the process exited or the session was
   * closed. The exit code when the implementation learns it on the way (the local
   * monitor sends it), else undefined: callers that need it ask wait/inspect.
   */
  readonly ended: Promise<number | undefined>;
  writeStdin(data: Buffer): void;
  /** EOF on the process's stdin (docker: the client's CloseWrite). */
  closeStdin(): void;
  /** Detach: stop relaying; the process keeps running. */
  close(): void;
}

export interface ContainerCreateOptions {
  name?: string;
  /** "os[/arch[/variant]]" for the image lookup. */
  platform?: string;
  /**
   * Pull the image when it is missing (the CLI's --pull=missing) and report the
   * pull's progress here. dockerd never pulls on create (the docker CLI pulls on
   * 404 and retries); gantry's CLI passes this to save a round trip locally.
   */
  pull?: 'missing' | 'always' | 'never';
  onPullProgress?: (m: JSONMessage) => void;
}

/** POST /containers/create's body. */
export type ContainerCreateBody = Partial<DockerConfig> & {
  Image: string;
  HostConfig?: Partial<HostConfig>;
  NetworkingConfig?: NetworkingConfig;
};

export interface ContainerListOptions {
  all?: boolean;
  /** Most recently created n containers, all states. */
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Unix seconds (fractional), 0 = no bound. */
  since?: number;
  until?: number;
  timestamps?: boolean;
  /** Lines from the end; undefined = all. */
  tail?: number;
  signal?: AbortSignal;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Replay the logs first (docker attach's logs=1). */
  logs?: boolean;
  detachKeys?: string;
}

export interface ContainersAPI {
  create(body: ContainerCreateBody, opts?: ContainerCreateOptions): Promise<{ Id: string; Warnings: string[] }>;
  list(opts?: ContainerListOptions): Promise<ContainerSummary[]>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerInspect>;
  /** False when it was already running (dockerd's 304 Not Modified). */
  start(ref: string, opts?: { detachKeys?: string }): Promise<boolean>;
  /** Seconds; undefined = the container's StopTimeout (default 10). False when it was not running (304). */
  stop(ref: string, opts?: { t?: number; signal?: string }): Promise<boolean>;
  restart(ref: string, opts?: { t?: number; signal?: string }): Promise<void>;
  /** Signal name ("KILL", "SIGTERM") or number as text; default KILL. */
  kill(ref: string, signal?: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  remove(ref: string, opts?: { force?: boolean; v?: boolean; link?: boolean }): Promise<void>;
  /**
   * Resolves as soon as the wait is registered (dockerd sends its headers then)
   * with the promise of the result, so a caller can wait before it starts.
   */
  wait(ref: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<{ result: Promise<{ StatusCode: number; Error?: { Message: string } | null }> }>;
  /** Resolves once the log is open (a remove right after cannot take it away), with its chunks. */
  logs(ref: string, opts: LogsOptions): Promise<AsyncIterable<{ stream: 1 | 2; data: Buffer }>>;
  attach(ref: string, opts: AttachOptions): Promise<IOSession>;
  resize(ref: string, h: number, w: number): Promise<void>;
  top(ref: string, psArgs?: string): Promise<ContainerTop>;
  stats(ref: string, opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal }): AsyncIterable<ContainerStatsJSON>;
  archiveStat(ref: string, path: string): Promise<PathStat>;
  /** A tar of path (its last element as the top entry), and its stat. */
  archiveGet(ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  /** Extracts a tar into the directory path. */
  archivePut(ref: string, path: string, tar: Readable, opts?: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }): Promise<void>;
  changes(ref: string): Promise<ContainerChange[]>;
  export(ref: string): Promise<Readable>;
  commit(ref: string, opts: { repo?: string; tag?: string; comment?: string; author?: string; pause?: boolean; changes?: string[]; config?: Partial<DockerConfig>; history?: CommitHistoryEntry[] }): Promise<{ Id: string }>;
  prune(filters?: Filters): Promise<ContainerPruneReport>;
  rename(ref: string, name: string): Promise<void>;
  update(ref: string, config: ContainerUpdateConfig): Promise<{ Warnings: string[] }>;
  /**
   * Host start: fold the exits a reboot hid and start what the restart policies
   * say (gantry system boot). The local engine only: a daemon does it itself.
   */
  boot?(): Promise<{ started: string[]; failed: { name: string; error: string }[] }>;
  /**
   * The CRI's ReopenContainerLog: the monitor of a running container created
   * with LogConfig.Config[cri-log-path] starts a new file at that path. Local only.
   */
  reopenCriLog?(ref: string): Promise<void>;
  /** The CRI's writable_layer: file bytes (SizeRw) and entries of the container's writable layer. Local only. */
  writableLayer?(ref: string): Promise<{ bytes: number; inodes: number }>;
}

export interface ExecAPI {
  create(containerRef: string, config: ExecCreateConfig): Promise<{ Id: string }>;
  /** The session, or undefined with Detach (the process runs on its own). */
  start(execId: string, opts: { Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] | null }): Promise<IOSession | undefined>;
  resize(execId: string, h: number, w: number): Promise<void>;
  inspect(execId: string): Promise<ExecInspect>;
  /**
   * Signals a running exec's process (KILL by default), as containerd kills a
   * timed-out ExecSync. Local only: the Docker API has no exec kill.
   */
  kill(execId: string, signal?: string): Promise<void>;
}

export interface ImagePullOptions {
  /** "busybox" or "busybox:1.36"; tag overrides the reference's. */
  fromImage: string;
  tag?: string;
  platform?: string;
  auth?: AuthConfig;
  onProgress?: (m: JSONMessage) => void;
  signal?: AbortSignal;
}

export interface ImagesAPI {
  /** Throws on failure; the progress stream carries the same error last for the daemon's clients. */
  pull(opts: ImagePullOptions): Promise<void>;
  push(name: string, opts: { tag?: string; auth?: AuthConfig; onProgress?: (m: JSONMessage) => void; signal?: AbortSignal }): Promise<void>;
  /** docker import: a rootfs tar (or a URL) as a new image; returns its ID. */
  import(source: Readable | string, opts: { repo?: string; tag?: string; changes?: string[]; message?: string; platform?: string; onProgress?: (m: JSONMessage) => void }): Promise<string>;
  list(opts?: { all?: boolean; filters?: Filters; digests?: boolean }): Promise<ImageSummary[]>;
  inspect(name: string): Promise<ImageInspect>;
  history(name: string): Promise<HistoryItem[]>;
  tag(name: string, repo: string, tag?: string): Promise<void>;
  remove(name: string, opts?: { force?: boolean; noprune?: boolean }): Promise<ImageRemoveItem[]>;
  prune(filters?: Filters): Promise<ImagePruneReport>;
  /** docker load: returns docker's "Loaded image: ..." lines. */
  load(tar: Readable, opts?: { quiet?: boolean; onProgress?: (m: JSONMessage) => void }): Promise<string[]>;
  /** docker save of one or more names or IDs. */
  save(names: string[]): Promise<Readable>;
}

export interface NetworksAPI {
  list(filters?: Filters): Promise<NetworkInspect[]>;
  inspect(ref: string, opts?: { verbose?: boolean }): Promise<NetworkInspect>;
  create(req: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  remove(ref: string): Promise<void>;
  connect(ref: string, req: NetworkConnectRequest): Promise<void>;
  disconnect(ref: string, req: NetworkDisconnectRequest): Promise<void>;
  prune(filters?: Filters): Promise<NetworkPruneReport>;
}

export interface VolumesAPI {
  list(filters?: Filters): Promise<VolumeListResponse>;
  create(req: VolumeCreateRequest): Promise<Volume>;
  inspect(name: string): Promise<Volume>;
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  prune(filters?: Filters): Promise<VolumePruneReport>;
}

export interface EventsOptions {
  /** Unix seconds (fractional). */
  since?: number;
  until?: number;
  filters?: Filters;
  signal?: AbortSignal;
}

export interface SystemAPI {
  ping(): Promise<{ apiVersion: string; osType: string }>;
  version(): Promise<SystemVersion>;
  info(): Promise<SystemInfo>;
  df(opts?: { type?: ('container' | 'image' | 'volume' | 'build-cache')[] }): Promise<SystemDf>;
  /** Past events in [since, until], then live ones until `until` or the signal. */
  events(opts: EventsOptions): AsyncIterable<EngineEvent>;
  /** docker login against a registry: checks the credentials, stores nothing. */
  auth(config: AuthConfig): Promise<{ Status: string; IdentityToken?: string }>;
  buildPrune(opts?: { all?: boolean; filters?: Filters; keepStorage?: number }): Promise<BuildPruneReport>;
}

export interface Engine {
  /** Where this engine runs: the local store's paths, or the daemon's address. */
  readonly location: { kind: 'local'; root: string; runroot: string } | { kind: 'remote'; host: string };
  readonly containers: ContainersAPI;
  readonly exec: ExecAPI;
  readonly images: ImagesAPI;
  readonly networks: NetworksAPI;
  readonly volumes: VolumesAPI;
  readonly system: SystemAPI;
  /** Releases what the engine holds open (sockets, watchers). */
  close(): Promise<void>;
}

/** Restart policy shape re-exported for front ends that build HostConfig. */
export type { RestartPolicy };

/** One event of the bus (system.events, GET /events). */
export type { EngineEvent } from './events.js';
