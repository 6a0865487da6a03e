// The Engine interface's containers, in-process over the engine core: the
// lifecycle here, data and processes (logs, stats, cp, ...) in container-data.ts.
import { existsSync } from 'node:fs';
import type { ContainerCreateBody, ContainerCreateOptions, ContainersAPI, IOSession } from '../api.js';
import type { ContainerUpdateConfig, JSONMessage } from '../api-types.js';
import type { EngineCore } from '../engine.js';
import type { CreateRequest, EndpointRequest } from '../containers.js';
import type { ContainerSummary, HostConfig } from '../docker-types.js';
import type { ContainerRecord } from '../store.js';
import { conflict, invalidArgument, isNotFound } from '../../errdefs/index.js';
import { parseSignal } from '../../runtime/signals.js';
import { MonitorSession, sendResize } from '../attach.js';
import { ContainerWaits } from '../container-wait.js';
import { containerSelection } from '../container-filters.js';
import { containerLayerUsage, containerSizeRw } from '../disk-usage.js';
import { pruneContainers } from '../prune.js';
import { checkResourceLimits } from '../resource-checks.js';
import { resources } from '../spec/build-spec.js';
import { toInspect, toSummary } from '../views.js';
import { localContainerData, type ContainerDataAPI } from './container-data.js';

type ContainerLifecycleAPI = Omit<ContainersAPI, keyof ContainerDataAPI>;

/** How often an attach made before a start looks for another process's start of the container. */
const ATTACH_POLL_MS = 100;

/** The object also has close(): it ends the waits and attaches still pending (the engine's close). */
export function localContainers(core: EngineCore): ContainersAPI & { close(): void } {
  const data = localContainerData(core);
  return { ...localLifecycle(core, data.logs), ...data };
}

function localLifecycle(core: EngineCore, logs: ContainersAPI['logs']): ContainerLifecycleAPI & { close(): void } {
  const c = core.containers;
  const waits = new ContainerWaits(c);
  const pendingAttaches = new Set<MonitorSession>();
  let lastRepair = 0;
  /** ps, rm and prune repair stale records first; at most once a second, so a daemon's burst of calls pays once. */
  const repair = async () => {
    if (Date.now() - lastRepair < 1000) return;
    await c.repair();
    lastRepair = Date.now();
  };
  const sizes = async (rec: ContainerRecord) => {
    const rw = await containerSizeRw(core, rec).catch(() => 0);
    const image = await core.images.resolve(rec.Image).then((i) => i.size, () => 0);
    return { SizeRw: rw, SizeRootFs: rw + image };
  };

  return {
    async create(body, opts = {}) {
      const pull = opts.pull ?? 'never';
      if (pull === 'never' || !opts.onPullProgress) return c.create(createRequest(body, { ...opts, pull }));
      // Pulled through the images API for docker's progress messages; the create then finds the image.
      await pullForCreate(core, body.Image, pull, opts.platform, opts.onPullProgress);
      return c.create(createRequest(body, { ...opts, pull: 'missing' }));
    },

    async list(opts = {}) {
      await repair();
      const selection = await containerSelection(core, opts.filters);
      const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
      const all = Boolean(opts.all) || limit !== undefined || selection.all;
      let recs = await Promise.all((await core.store.list()).filter((r) => r.Gantry.creator === undefined).map((r) => c.view(r)));
      recs.sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
      recs = selection.filter(recs, all);
      if (limit !== undefined) recs = recs.slice(0, limit);
      return Promise.all(recs.map(async (r): Promise<ContainerSummary> => ({ ...toSummary(r), Ports: summaryPorts(r), ...(opts.size ? await sizes(r) : {}) })));
    },

    async inspect(ref, opts = {}) {
      const rec = await c.get(ref);
      return { ...toInspect(rec), ...(opts.size ? await sizes(rec) : {}) };
    },

    async start(ref) {
      try {
        return (await c.startChecked(ref)).started;
      } catch (err) {
        // dockerd removes a --rm container whose start failed.
        const rec = await core.store.lookup(ref).catch(() => undefined);
        if (rec?.HostConfig.AutoRemove && !c.foregroundRemovals.has(rec.Id)) await c.remove(rec.Id, { force: true, volumes: true }).catch(() => undefined);
        throw err;
      }
    },

    async stop(ref, opts = {}) {
      const rec = await c.get(ref);
      if (!rec.State.Running) return false;
      await c.stop(rec.Id, opts.t, parseSignal(opts.signal ?? rec.Config.StopSignal ?? 'SIGTERM'));
      return true;
    },

    async restart(ref, opts = {}) {
      const rec = await c.get(ref);
      if (rec.State.Running) await c.stop(rec.Id, opts.t, parseSignal(opts.signal ?? rec.Config.StopSignal ?? 'SIGTERM'));
      await c.start(rec.Id);
      await c.event(rec, 'restart');
    },

    async kill(ref, signal) {
      await c.kill(ref, parseSignal(signal ?? 'KILL'));
    },

    pause: (ref) => c.setPaused(ref, true),
    unpause: (ref) => c.setPaused(ref, false),

    async remove(ref, opts = {}) {
      await repair();
      await c.remove(ref, { force: Boolean(opts.force), volumes: Boolean(opts.v) });
    },

    wait: (ref, condition = 'not-running') => waits.register(ref, condition),

    async attach(ref, opts) {
      const rec = await c.get(ref);
      const streams = { stdin: Boolean(opts.stdin), stdout: opts.stdout !== false, stderr: opts.stderr !== false };
      const session = new MonitorSession(streams);
      // logs=1: what the container wrote so far, then the live output (as dockerd, a chunk written in between may be missed).
      if (opts.logs) for await (const { stream, data } of await logs(rec.Id, { stdout: streams.stdout, stderr: streams.stderr })) session.replay(stream, data);
      const socket = core.store.runPath(rec.Id, 'attach.sock');
      if (rec.State.Running && !rec.State.Restarting) {
        await session.connect(socket);
        return session;
      }
      // Not running: the session joins its next start. This process's start connects
      // it before the container's process runs; another process's is found by polling.
      const join = () => session.connect(socket);
      const hooks = c.beforeStartHooks.get(rec.Id) ?? new Set();
      c.beforeStartHooks.set(rec.Id, hooks.add(join));
      const poll = setInterval(() => {
        if (existsSync(socket)) join().catch(() => undefined);
      }, ATTACH_POLL_MS);
      const onChange = (action: string) => {
        if (action === 'start-failed' || action === 'destroy') session.close();
      };
      c.changed.on(rec.Id, onChange);
      pendingAttaches.add(session);
      session.onSettled = () => {
        clearInterval(poll);
        hooks.delete(join);
        if (hooks.size === 0) c.beforeStartHooks.delete(rec.Id);
        c.changed.off(rec.Id, onChange);
        pendingAttaches.delete(session);
      };
      return session satisfies IOSession;
    },

    async resize(ref, h, w) {
      const rec = await c.get(ref);
      if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
      if (!rec.Config.Tty) return;
      await sendResize(core.store.runPath(rec.Id, 'attach.sock'), h, w);
    },

    async prune(filters = {}) {
      const { removed, spaceReclaimed } = await pruneContainers(core, filters);
      return { ContainersDeleted: removed.length ? removed : null, SpaceReclaimed: spaceReclaimed };
    },

    rename: (ref, name) => c.rename(ref, name),

    async update(ref, config) {
      return { Warnings: await updateContainer(core, ref, config) };
    },

    async boot() {
      const { bootContainers } = await import('../boot.js');
      return bootContainers(core);
    },

    reopenCriLog: (ref) => core.containers.reopenCriLog(ref),

    async writableLayer(ref) {
      return containerLayerUsage(core, await c.get(ref));
    },

    close() {
      waits.close();
      for (const s of [...pendingAttaches]) s.close();
    },
  };
}

/** The pull a create asks for: docker CLI's "Unable to find image" line, then the pull's progress. */
async function pullForCreate(core: EngineCore, image: string, pull: 'missing' | 'always', platform: string | undefined, onProgress: (m: JSONMessage) => void): Promise<void> {
  if (pull === 'missing') {
    const found = await core.images.resolve(image).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (found) return;
    const shown = image.includes(':') || image.includes('@') ? image : `${image}:latest`;
    onProgress({ status: `Unable to find image '${shown}' locally` });
  }
  const { localImages } = await import('./images.js');
  await localImages(core).pull({ fromImage: image, ...(platform ? { platform } : {}), onProgress });
}

/** POST /containers/create's body and options as the engine core's request. */
function createRequest(body: ContainerCreateBody, opts: ContainerCreateOptions): CreateRequest {
  const { HostConfig: hostConfig, NetworkingConfig: networking, ...config } = body;
  const endpoints: Record<string, EndpointRequest> = {};
  for (const [name, ep] of Object.entries(networking?.EndpointsConfig ?? {})) {
    const ip = ep.IPAMConfig?.IPv4Address;
    endpoints[name] = { ...(ep.Aliases?.length ? { Aliases: ep.Aliases } : {}), ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) };
  }
  const progress = opts.onPullProgress;
  return {
    ...(opts.name ? { name: opts.name } : {}),
    config,
    ...(hostConfig ? { hostConfig } : {}),
    ...(Object.keys(endpoints).length ? { networkingConfig: { EndpointsConfig: endpoints } } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
    pull: opts.pull ?? 'never',
    ...(progress ? { onPull: (line: string) => progress({ status: line.trimEnd() } satisfies JSONMessage) } : {}),
  };
}

/** A running container's ports as the summary lists them: published ones with their host side, exposed ones without. */
function summaryPorts(rec: ContainerRecord): ContainerSummary['Ports'] {
  if (!rec.State.Running) return [];
  const out: ContainerSummary['Ports'] = [];
  for (const [key, bindings] of Object.entries(rec.NetworkSettings.Ports ?? {})) {
    const [port = '0', type = 'tcp'] = key.split('/');
    if (!bindings || bindings.length === 0) out.push({ PrivatePort: Number(port), Type: type });
    else for (const b of bindings) out.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

const POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure'] as const;
const isPolicyName = (name: string): name is (typeof POLICIES)[number] => (POLICIES as readonly string[]).includes(name);

/** The HostConfig fields docker update changes that Gantry's records keep. */
const UPDATABLE = ['Memory', 'MemoryReservation', 'MemorySwap', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpusetCpus', 'CpusetMems', 'BlkioWeight', 'PidsLimit'] as const;

/**
 * docker update: the restart policy and the resource limits in the record,
 * and a running container's cgroup through the runtime.
 */
async function updateContainer(core: EngineCore, ref: string, config: ContainerUpdateConfig): Promise<string[]> {
  const found = await core.containers.get(ref);
  return core.store.withContainerLock(found.Id, async () => {
    const rec = (await core.store.read(found.Id)) ?? found;
    const hc: HostConfig = { ...rec.HostConfig };
    if (config.RestartPolicy) {
      if (hc.AutoRemove && config.RestartPolicy.Name && config.RestartPolicy.Name !== 'no') throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      const name = config.RestartPolicy.Name;
      if (!isPolicyName(name)) throw invalidArgument(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
      hc.RestartPolicy = { Name: name, MaximumRetryCount: config.RestartPolicy.MaximumRetryCount ?? 0 };
    }
    let limits = false;
    for (const k of UPDATABLE) {
      const v = config[k];
      if (v === undefined) continue;
      (hc as unknown as Record<string, unknown>)[k] = v;
      limits = true;
    }
    if (hc.Memory > 0 && hc.Memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
    if (hc.MemorySwap > 0 && hc.Memory > 0 && hc.MemorySwap < hc.Memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
    const warnings = checkResourceLimits(hc);
    const view = await core.containers.view(rec, { locked: true });
    if (limits && view.State.Running) {
      const { memory, cpu, pids, blockIO } = resources(hc, [], false);
      await core.containers.runtimeOf(rec).update(rec.Id, { ...(memory ? { memory } : {}), ...(cpu ? { cpu } : {}), ...(pids ? { pids } : {}), ...(blockIO ? { blockIO } : {}) });
    }
    rec.HostConfig = hc;
    await core.store.write(rec);
    core.containers.event(rec, 'update');
    return warnings;
  });
}
