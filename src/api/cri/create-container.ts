// RuntimeService.CreateContainer: an engine container in the sandbox's network,
// IPC and UTS namespaces (modes container:<sandbox>; the network mode also gives
// it the sandbox's hosts, resolv.conf and hostname files), with the kubelet's image, command,
// env, mounts, devices, resources and Linux security context; its output goes
// to log_path (under the sandbox's log_directory) in the CRI log format. It goes
// in the sandbox's cgroup parent; seccomp, supplemental groups and
// oom_score_adj as seccomp.ts and oom-score-adj.ts decide.
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { ContainerCreateBody } from '../../engine/api.js';
import { CRI_LOG_PATH_OPTION, type MountSpec } from '../../engine/docker-types.js';
import { invalidArgument, notFound } from '../../errdefs/index.js';
import {
  CREATED_NS_LABEL,
  CRI_ANNOTATIONS_LABEL,
  CRI_LABELS_LABEL,
  HOST_NETWORK_LABEL,
  IMAGE_LABEL,
  KIND_LABEL,
  LOG_DIRECTORY_LABEL,
  LOG_PATH_LABEL,
  METADATA_LABEL,
  SANDBOX_ID_LABEL,
} from './labels.js';
import { inspectCri } from './lookup.js';
import { oomScoreAdjForCreate } from './oom-score-adj.js';
import { sandboxMetadata } from './pod-sandbox-status.js';
import { seccompSecurityOpt } from './seccomp.js';
import { nowNs } from './time.js';
import type { ContainerConfig, LinuxContainerSecurityContext, Mount, PodSandboxConfig, Rpc } from './types.js';

const PROPAGATION: Record<Mount['propagation'], string> = {
  PROPAGATION_PRIVATE: 'rprivate',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

function bindMount(m: Mount): MountSpec {
  if (!isAbsolute(m.container_path)) throw invalidArgument(`mount container_path must be absolute: "${m.container_path}"`);
  return { Type: 'bind', Source: m.host_path, Target: m.container_path, ReadOnly: m.readonly, BindOptions: { Propagation: PROPAGATION[m.propagation] ?? 'rprivate' } };
}

/** run_as_username, else run_as_user[:run_as_group]; empty = the image's user. */
function user(sc: LinuxContainerSecurityContext | null | undefined): string {
  if (!sc) return '';
  if (sc.run_as_username) return sc.run_as_username;
  if (!sc.run_as_user) return '';
  return sc.run_as_group ? `${sc.run_as_user.value}:${sc.run_as_group.value}` : sc.run_as_user.value;
}

/** CPU quota over period as docker's NanoCpus. */
function nanoCpus(quota: string | undefined, period: string | undefined): number {
  const q = Number(quota ?? 0);
  const p = Number(period ?? 0) || 100_000;
  return q > 0 ? Math.round((q * 1e9) / p) : 0;
}

export const createContainer: Rpc<{ pod_sandbox_id: string; config: ContainerConfig | null; sandbox_config: PodSandboxConfig | null }, { container_id: string }> = async (ctx, req) => {
  const config = req.config;
  if (!config?.metadata?.name) throw invalidArgument('container config must include metadata with a name');
  if (!config.image?.image) throw invalidArgument('container config must include an image');
  const sandbox = await inspectCri(ctx, 'sandbox', req.pod_sandbox_id);
  // Its namespaces are gone with its pause process; containerd refuses it alike.
  if (!sandbox.State.Running) throw notFound(`failed to get sandbox container task: no running task found: sandbox ${sandbox.Id} is not ready`);
  const sandboxLabels = sandbox.Config.Labels;
  const logDirectory = sandboxLabels[LOG_DIRECTORY_LABEL] || req.sandbox_config?.log_directory || '';
  const logPath = config.log_path && logDirectory ? join(logDirectory, config.log_path) : config.log_path;
  if (logPath) await mkdir(dirname(logPath), { recursive: true });
  const sc = config.linux?.security_context;
  const res = config.linux?.resources;
  const pod = sandboxMetadata(sandboxLabels);
  const hostNetwork = sandboxLabels[HOST_NETWORK_LABEL] === 'true';
  const hostIpc = sc?.namespace_options?.ipc === 'NODE';
  // POD: the pod shares one PID namespace (shareProcessNamespace), the pause process as its init.
  const pidMode = { NODE: 'host', POD: `container:${sandbox.Id}`, CONTAINER: '', TARGET: `container:${sc?.namespace_options?.target_id ?? ''}` }[sc?.namespace_options?.pid ?? 'POD'];
  const body: ContainerCreateBody = {
    Image: config.image.image,
    ...(config.command.length ? { Entrypoint: config.command, Cmd: config.args.length ? config.args : null } : config.args.length ? { Cmd: config.args } : {}),
    // The pod's hostname (its UTS namespace is the sandbox's), unless the kubelet sets one.
    Env: [...(sandbox.Config.Hostname ? [`HOSTNAME=${sandbox.Config.Hostname}`] : []), ...config.envs.map((e) => `${e.key}=${e.value.toString()}`)],
    WorkingDir: config.working_dir,
    User: user(sc),
    Tty: config.tty,
    OpenStdin: config.stdin,
    StdinOnce: config.stdin_once,
    Labels: {
      [KIND_LABEL]: 'container',
      [SANDBOX_ID_LABEL]: sandbox.Id,
      [METADATA_LABEL]: JSON.stringify(config.metadata),
      [CRI_LABELS_LABEL]: JSON.stringify(config.labels),
      [CRI_ANNOTATIONS_LABEL]: JSON.stringify(config.annotations),
      [LOG_PATH_LABEL]: logPath,
      [IMAGE_LABEL]: config.image.image,
      [CREATED_NS_LABEL]: nowNs(),
    },
    HostConfig: {
      Runtime: sandbox.HostConfig.Runtime,
      NetworkMode: hostNetwork ? 'host' : `container:${sandbox.Id}`,
      IpcMode: hostIpc ? 'host' : `container:${sandbox.Id}`,
      UTSMode: hostNetwork ? 'host' : `container:${sandbox.Id}`,
      ...(pidMode ? { PidMode: pidMode } : {}),
      Mounts: config.mounts.map(bindMount),
      Devices: config.devices.map((d) => ({ PathOnHost: d.host_path, PathInContainer: d.container_path, CgroupPermissions: d.permissions || 'rwm' })),
      LogConfig: { Type: 'json-file', Config: logPath ? { [CRI_LOG_PATH_OPTION]: logPath } : {} },
      Privileged: sc?.privileged ?? false,
      ReadonlyRootfs: sc?.readonly_rootfs ?? false,
      CapAdd: sc?.capabilities?.add_capabilities ?? null,
      CapDrop: sc?.capabilities?.drop_capabilities ?? null,
      SecurityOpt: [await seccompSecurityOpt(sc), ...(sc?.no_new_privs ? ['no-new-privileges'] : [])],
      // The kubelet's list has the pod's supplemental groups (and fsGroup) already.
      GroupAdd: sc?.supplemental_groups.length ? sc.supplemental_groups : null,
      CgroupParent: sandbox.HostConfig.CgroupParent ?? '',
      OomScoreAdj: await oomScoreAdjForCreate(Number(res?.oom_score_adj ?? 0)),
      ...(sc?.masked_paths.length ? { MaskedPaths: sc.masked_paths } : {}),
      ...(sc?.readonly_paths.length ? { ReadonlyPaths: sc.readonly_paths } : {}),
      Memory: Number(res?.memory_limit_in_bytes ?? 0),
      CpuShares: Number(res?.cpu_shares ?? 0),
      NanoCpus: nanoCpus(res?.cpu_quota, res?.cpu_period),
      CpusetCpus: res?.cpuset_cpus ?? '',
    },
  };
  const name = `k8s_${config.metadata.name}_${pod.name}_${pod.namespace}_${pod.uid}_${config.metadata.attempt}`;
  const { Id } = await ctx.engine.containers.create(body, { name });
  return { container_id: Id };
};
