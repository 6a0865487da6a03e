// The Docker Engine API shapes the engine stores and returns (swagger:
// ContainerConfig, HostConfig, ContainerInspect, ContainerSummary), limited to
// the fields Gantry honours. Keys are docker's, so records serialize to inspect as-is.
import type { HealthConfig } from '../oci/image-spec.js';

export interface DockerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

/** docker's mount.Mount (HostConfig.Mounts, from --mount). Type is as sent: the engine refuses unknown ones. */
export interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface HostConfig {
  Binds: string[] | null;
  ContainerIDFile: string;
  LogConfig: { Type: string; Config: Record<string, string> };
  NetworkMode: string;
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  Mounts?: MountSpec[];
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  Init?: boolean | null;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  Tmpfs?: Record<string, string>;
  ShmSize: number;
  /** [height, width] of the terminal a -t container starts with. */
  ConsoleSize?: [number, number];
  Sysctls?: Record<string, string>;
  Runtime: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus: string;
  CpusetMems?: string;
  BlkioWeight?: number;
  MemoryReservation: number;
  MemorySwap: number;
  PidsLimit: number | null;
  Devices: DeviceMapping[];
  Ulimits: Ulimit[] | null;
  OomKillDisable: boolean;
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
  /** "" (own), "host", or "container:<id>" (join that container's IPC namespace). */
  IpcMode?: string;
  /** "" (own), "host", or, Gantry's addition for pods, "container:<id>" (join its UTS namespace). */
  UTSMode?: string;
  /** "" (own), "host", or "container:<id>" (join that container's PID namespace). */
  PidMode?: string;
  /** Supplementary groups of the container's process: names (from its /etc/group) or numeric gids. */
  GroupAdd?: string[] | null;
  /** The cgroup the container's goes under (cgroupfs: <parent>/<id>); "" is the engine's /gantry. */
  CgroupParent?: string;
  /** The process's oom_score_adj (-1000..1000); 0 leaves the one it inherits. */
  OomScoreAdj?: number;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export type ContainerStatusName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerStateJSON {
  Status: ContainerStatusName;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** docker's per-network endpoint shape, as the network layer produces it. */
import type { EndpointSettings } from '../network/types.js';
export type { EndpointSettings };

export interface NetworkSettingsJSON {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  Networks: Record<string, EndpointSettings>;
}

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerStateJSON;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts: MountPoint[];
  Config: DockerConfig;
  NetworkSettings: NetworkSettingsJSON;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: ContainerStatusName;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

export function defaultHostConfig(): HostConfig {
  return {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: 'json-file', Config: {} },
    NetworkMode: 'bridge',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    ShmSize: 67108864,
    Runtime: 'gantry',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CpusetCpus: '',
    MemoryReservation: 0,
    MemorySwap: 0,
    PidsLimit: null,
    Devices: [],
    Ulimits: null,
    OomKillDisable: false,
    GroupAdd: null,
    CgroupParent: '',
    OomScoreAdj: 0,
  };
}

export function defaultConfig(image: string): DockerConfig {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: [],
    Cmd: null,
    Image: image,
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    Labels: {},
  };
}

/**
 * Gantry's LogConfig.Config option: besides the json-file log, the monitor writes
 * the container's output in the Kubernetes CRI log format to this path (the CRI
 * server sets it to the kubelet's log_path).
 */
export const CRI_LOG_PATH_OPTION = 'cri-log-path';
