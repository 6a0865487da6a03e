// Docker Engine API shapes used by the Engine interface (api.ts) beyond the
// container records of docker-types.ts. Field names are the swagger's; only
// the fields Gantry fills are required, the rest optional.
import type { ImageConfig } from '../oci/image-spec.js';
import type { EndpointSettings } from './docker-types.js';
import type { NetworkRecord } from '../network/types.js';

/** docker's filters: `{"label": ["a=b"], "status": ["running"]}`. */
export type Filters = Record<string, string[]>;

/** One line of docker's JSON progress streams (pull, push, load, import, build). */
export interface JSONMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string; code?: number };
}

/** X-Registry-Auth and POST /auth's body. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface NetworkingConfig {
  EndpointsConfig?: Record<string, Partial<EndpointSettings> & { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null }>;
}

export interface ContainerTop {
  Titles: string[];
  Processes: string[][];
}

/** GET /containers/{id}/archive's X-Docker-Container-Path-Stat, decoded. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits (type bits high: 1<<31 dir, 1<<27 symlink, ...). */
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ContainerChange {
  Path: string;
  /** 0 modified, 1 added, 2 deleted. */
  Kind: 0 | 1 | 2;
}

export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

export interface ContainerUpdateConfig {
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  MemoryReservation?: number;
  MemorySwap?: number;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
}

/** GET /containers/{id}/stats: the fields docker's CLI reads, cgroup v1 and v2 alike. */
export interface ContainerStatsJSON {
  id?: string;
  name?: string;
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  num_procs: number;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number>; failcnt?: number };
  blkio_stats: { io_service_bytes_recursive: { major: number; minor: number; op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
  storage_stats?: Record<string, number>;
}

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface ExecCreateConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  /** The image's container config in docker's ContainerConfig shape. */
  Config: ImageConfig['config'] & Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize?: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export type ImageRemoveItem = { Untagged: string } | { Deleted: string };

export interface ImagePruneReport {
  ImagesDeleted: ImageRemoveItem[] | null;
  SpaceReclaimed: number;
}

/** docker network inspect's JSON (the network layer's record). */
export type NetworkInspect = NetworkRecord;

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  CheckDuplicate?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[]; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

export interface NetworkConnectRequest {
  Container: string;
  EndpointConfig?: { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null };
}

export interface NetworkDisconnectRequest {
  Container: string;
  Force?: boolean;
}

export interface NetworkPruneReport {
  NetworksDeleted: string[] | null;
}

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Scope: 'local';
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[] | null;
}

export interface VolumePruneReport {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

export interface BuildPruneReport {
  CachesDeleted: string[] | null;
  SpaceReclaimed: number;
}

export interface SystemVersion {
  Platform: { Name: string };
  Components: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
}

/** GET /info: the fields docker info prints. */
export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  Plugins: { Volume: string[]; Network: string[]; Authorization: string[] | null; Log: string[] };
  MemoryLimit: boolean;
  SwapLimit: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
  IPv4Forwarding: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSVersion: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  IndexServerAddress: string;
  RegistryConfig: Record<string, unknown> | null;
  DockerRootDir: string;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Name: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  ServerVersion: string;
  Runtimes: Record<string, { path: string }>;
  DefaultRuntime: string;
  Swarm: { LocalNodeState: string; NodeID: string; NodeAddr: string; ControlAvailable: boolean; Error: string; RemoteManagers: null };
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  SecurityOptions: string[];
  Warnings: string[] | null;
}

/** GET /system/df. Gantry adds UnfinishedSize/UnfinishedReclaimable (ingests and unpacks left by dead writers). */
export interface SystemDf {
  LayersSize: number;
  Images: (ImageSummary & { Containers: number })[];
  Containers: (import('./docker-types.js').ContainerSummary & { SizeRw?: number; SizeRootFs?: number })[];
  Volumes: Volume[];
  BuildCache: { ID: string; Type: string; Size: number; CreatedAt: string; LastUsedAt: string | null; UsageCount: number; InUse: boolean; Shared: boolean; Description: string }[];
  UnfinishedSize?: number;
  UnfinishedReclaimable?: number;
}

/**
 * History entries a commit appends instead of its one default entry (a builder's steps: config-only
 * ones with empty_layer, and the step that made the layer). When the diff is not empty, the last
 * entry not marked empty_layer describes the layer; when it is empty, no layer is added and every
 * entry is marked empty_layer, as dockerd does. Local engine only (POST /commit has no such field).
 */
export interface CommitHistoryEntry {
  created_by: string;
  empty_layer?: boolean;
  comment?: string;
}
