// docker's `image inspect` JSON for an image record.
import type { ContainerConfig } from '../../oci/image-spec.js';
import type { ImageRecord } from '../service.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The container-config shape docker prints under "Config" (empty fields kept as docker shows them). */
function dockerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Hostname: '',
    Domainname: '',
    User: c?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (c?.ExposedPorts) out.ExposedPorts = c.ExposedPorts;
  Object.assign(out, {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c?.Env ?? null,
    Cmd: c?.Cmd ?? null,
  });
  if (c?.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c?.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, {
    Image: '',
    Volumes: c?.Volumes ?? null,
    WorkingDir: c?.WorkingDir ?? '',
    Entrypoint: c?.Entrypoint ?? null,
    OnBuild: c?.OnBuild ?? null,
    Labels: c?.Labels ?? null,
  });
  if (c?.StopSignal) out.StopSignal = c.StopSignal;
  if (c?.Shell) out.Shell = c.Shell;
  return out;
}

export function inspectImage(r: ImageRecord, graphDriver: { Name: string; Data: Record<string, string> | null }): Record<string, unknown> {
  const cfg = r.config;
  const last = cfg.history?.[cfg.history.length - 1];
  const out: Record<string, unknown> = {
    Id: r.id,
    RepoTags: r.repoTags,
    RepoDigests: r.repoDigests,
    Parent: '',
    Comment: last?.comment ?? '',
    Created: cfg.created ?? ZERO_TIME,
    DockerVersion: '',
    Author: cfg.author ?? '',
    Config: dockerConfig(cfg.config),
    Architecture: cfg.architecture,
  };
  if (cfg.variant) out.Variant = cfg.variant;
  Object.assign(out, {
    Os: cfg.os,
    Size: r.size,
    GraphDriver: graphDriver,
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: r.lastTagTime ?? ZERO_TIME },
  });
  return out;
}
