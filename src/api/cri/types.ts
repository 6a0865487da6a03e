// The runtime.v1 messages the server reads and writes, as @grpc/proto-loader
// gives them (PROTO_LOADER_OPTIONS: snake_case keys, enums by name, int64 as
// decimal strings, defaults filled in). Only the fields runtime-v1.proto declares.
import type { Engine } from '../../engine/api.js';
import type { PodNetworkOptions } from './pod-network.js';
import type { StreamingServer } from './streaming/server.js';

export interface CriContext {
  engine: Engine;
  /** The image of pod sandbox containers (registry.k8s.io/pause:3.9 by default). */
  pauseImage: string;
  /** The streaming server of Exec, Attach and PortForward, started on first use. */
  streaming(): Promise<StreamingServer>;
  /** CNI from a conf dir; undefined with a remote engine (the conf dir and netns would be on its host). */
  network?: PodNetworkOptions;
}

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  target_id: string;
}
export interface Int64Value {
  value: string;
}
export interface ImageSpec {
  image: string;
  annotations: Record<string, string>;
  user_specified_image?: string;
  runtime_handler?: string;
  image_ref?: string;
}
export interface SecurityProfile {
  profile_type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref: string;
}
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip: string;
}
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null;
  hostname: string;
  log_directory: string;
  dns_config: { servers: string[]; searches: string[]; options: string[] } | null;
  port_mappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroup_parent: string;
    security_context: {
      namespace_options: NamespaceOption | null;
      run_as_user: Int64Value | null;
      readonly_rootfs: boolean;
      supplemental_groups: string[];
      privileged: boolean;
      seccomp: SecurityProfile | null;
      seccomp_profile_path: string;
    } | null;
    sysctls: Record<string, string>;
  } | null;
}
export interface Mount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}
export interface ContainerMetadata {
  name: string;
  attempt: number;
}
export interface LinuxContainerSecurityContext {
  capabilities: { add_capabilities: string[]; drop_capabilities: string[] } | null;
  privileged: boolean;
  namespace_options: NamespaceOption | null;
  run_as_user: Int64Value | null;
  run_as_group: Int64Value | null;
  run_as_username: string;
  readonly_rootfs: boolean;
  supplemental_groups: string[];
  no_new_privs: boolean;
  masked_paths: string[];
  readonly_paths: string[];
  seccomp: SecurityProfile | null;
  seccomp_profile_path: string;
}
export interface ContainerConfig {
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  command: string[];
  args: string[];
  working_dir: string;
  envs: { key: string; value: Buffer }[];
  mounts: Mount[];
  devices: { container_path: string; host_path: string; permissions: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: {
    resources: { cpu_period: string; cpu_quota: string; cpu_shares: string; memory_limit_in_bytes: string; oom_score_adj: string; cpuset_cpus: string; cpuset_mems: string } | null;
    security_context: LinuxContainerSecurityContext | null;
  } | null;
}
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export interface AuthConfig {
  username: string;
  password: string;
  auth: string;
  server_address: string;
  identity_token: string;
  registry_token: string;
}

/** One RPC: the request message in, the response message out; errors are GantryErrors. */
export type Rpc<Req, Res> = (ctx: CriContext, req: Req) => Promise<Res>;
