// `docker commit`: the container's writable layer becomes a new image on top of
// its image, with the container's config (and --change instructions) as the
// image config. The container is paused meanwhile unless asked not to.
import type { ContainerConfig } from '../oci/image-spec.js';
import type { DockerConfig } from './docker-types.js';
import type { EngineCore } from './engine.js';
import type { CommitHistoryEntry } from './api.js';
import { requireImageService } from './image-service.js';
import type { ContainerRecord } from './store.js';

export interface CommitRequest {
  reference?: string;
  author?: string;
  message?: string;
  changes?: string[];
  /** Pause the container during the commit (docker's default). */
  pause?: boolean;
  /** Fields that replace the container's in the image config (the API's body), before the changes apply. */
  config?: Partial<DockerConfig>;
  /** History entries instead of the default one (see CommitHistoryEntry in api.ts). */
  history?: CommitHistoryEntry[];
}

/** The parts of a container's config an image keeps. */
function imageConfigOf(rec: ContainerRecord, over: Partial<DockerConfig> = {}): ContainerConfig {
  const c = { ...rec.Config, ...over };
  const built = over as Partial<ContainerConfig>;
  return {
    ...(c.User ? { User: c.User } : {}),
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Env: c.Env,
    Entrypoint: c.Entrypoint,
    Cmd: c.Cmd,
    ...(c.Volumes ? { Volumes: c.Volumes } : {}),
    WorkingDir: c.WorkingDir,
    Labels: c.Labels,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck as ContainerConfig['Healthcheck'] } : {}),
    // Image-only fields a builder passes in the config (SHELL, ONBUILD), kept as given.
    ...(built.OnBuild?.length ? { OnBuild: built.OnBuild } : {}),
    ...(built.Shell?.length ? { Shell: built.Shell } : {}),
  };
}

/** Returns the new image ID ("sha256:..."). */
export async function commitContainer(engine: EngineCore, ref: string, req: CommitRequest = {}): Promise<string> {
  const rec = await engine.containers.get(ref);
  const svc = requireImageService(engine.images, 'commit');
  const pause = req.pause !== false && rec.State.Running && !rec.State.Paused;
  if (pause) await engine.containers.runtimeOf(rec).pause(rec.Id);
  let id: string;
  try {
    id = await svc.commitRootfs(rec.Gantry.rootfsKey, {
      ...(req.reference ? { reference: req.reference } : {}),
      ...(req.author ? { author: req.author } : {}),
      ...(req.message ? { message: req.message } : {}),
      changes: req.changes ?? [],
      config: imageConfigOf(rec, req.config),
      // dockerd's default: the container's command is what made the layer.
      history: req.history ?? [{ created_by: (rec.Config.Cmd ?? []).join(' '), ...(req.message ? { comment: req.message } : {}) }],
    });
  } finally {
    if (pause) await engine.containers.runtimeOf(rec).resume(rec.Id).catch(() => undefined);
  }
  engine.events.emit({ Type: 'container', Action: 'commit', Actor: { ID: rec.Id, Attributes: { name: rec.Name.slice(1), image: rec.Config.Image, comment: req.message ?? '' } } });
  return id;
}
