// Container lifecycle on the shared on-disk state: create, start (through the
// runtime with the monitor as wrapper), stop/kill, remove, and the derived
// live state (a record says "running" until the monitor's exit.json says otherwise).
import { lstat, mkdir, readdir, readFile, realpath, rm, writeFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { EventEmitter } from 'node:events';
import { isAbsolute, join } from 'node:path';
import { installRoot, nativeBinary } from '../sys/install-paths.js';
import { conflict, failedPrecondition, GantryError, invalidArgument, isNotFound, wrap } from '../errdefs/index.js';
import type { Runtime } from '../runtime/api.js';
import { DEFAULT_RUNTIME, type EngineRuntimes } from './runtimes/index.js';
import type { LinuxDevice } from '../oci/runtime-spec.js';
import type { EngineImages, EngineImageRecord } from './backends.js';
import { ContainerStore, newContainerId, type ContainerRecord } from './store.js';
import { checkResourceLimits } from './resource-checks.js';
import { CRI_LOG_PATH_OPTION, defaultConfig, defaultHostConfig, type ContainerStateJSON, type DockerConfig, type EndpointSettings, type HostConfig } from './docker-types.js';
import { generateName } from './names.js';
import type { EngineEvents } from './events.js';
import { pidAlive, lockHeld } from '../sys/lockfile.js';
import { planMounts, populateVolume, VolumeStore, type PlannedMounts } from './volumes.js';
import { ContainerFs } from './archive.js';
import { buildSpec, userMounts, validateSpecOptions } from './spec/build-spec.js';
import { detectCgroupVersion } from '../runtime/cgroups/index.js';
import { resolveUserInLayers, resolveUserInRootfs, type ResolvedUser } from './spec/user.js';
import { requireImageService } from './image-service.js';
import { connectAttach, waitForExit } from './attach.js';
import { blankEndpoint, idleNetworkSettings, parseNetworkMode, type EngineNetworking } from './networking.js';


/** docker's NetworkingConfig: per-network --network-alias and --ip. */
export interface EndpointRequest {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string };
}

export interface CreateRequest {
  name?: string;
  config: Partial<DockerConfig> & { Image: string };
  hostConfig?: Partial<HostConfig>;
  networkingConfig?: { EndpointsConfig: Record<string, EndpointRequest> };
  platform?: string;
  pull?: 'always' | 'missing' | 'never';
  /** Called with docker's "Unable to find image" line before a pull. */
  onPull?: (line: string) => void;
}

export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
  finishedAt: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export class Containers {
  /**
   * In-process notice of a container's changes (emitted with its id and the
   * event's action, or "start-failed"), so this process's waits and attaches
   * learn of its own starts and exits at once; other processes' are polled.
   */
  readonly changed = new EventEmitter().setMaxListeners(0);
  /** Run in a start of this process between the runtime's create and start (attaches made before the start). */
  readonly beforeStartHooks = new Map<string, Set<() => Promise<void>>>();
  /** --rm containers this process removes itself when they exit (it waits for their removal): started without the monitor's exit hook. */
  readonly foregroundRemovals = new Set<string>();

  constructor(
    readonly store: ContainerStore,
    readonly volumes: VolumeStore,
    readonly images: EngineImages,
    readonly runtimes: EngineRuntimes,
    readonly allCapabilities: readonly string[],
    readonly networking: EngineNetworking,
    readonly events: EngineEvents,
  ) {}

  /** The runtime the container was created with (HostConfig.Runtime); every operation on it goes there. */
  runtimeOf(rec: ContainerRecord): Runtime {
    return this.runtimes.get(rec.HostConfig.Runtime, rec.Gantry.runtimePath);
  }

  event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}) {
    this.changed.emit(rec.Id, action);
    this.events.emit({ Type: 'container', Action: action, Actor: { ID: rec.Id, Attributes: { image: rec.Config.Image, name: rec.Name.slice(1), ...rec.Config.Labels, ...extra } } });
  }

  // ---- state ----

  async exitInfo(id: string): Promise<ExitInfo | undefined> {
    try {
      return JSON.parse(await readFile(this.store.runPath(id, 'exit.json'), 'utf8')) as ExitInfo;
    } catch {
      return undefined;
    }
  }

  /** The pid in the run directory's monitor.pid: present from a start's launch until its exit is folded into the record. */
  private monitorPid(id: string): number | undefined {
    try {
      // Sync read keeps view() cheap for ps over many containers.
      return Number(readFileSync(this.store.runPath(id, 'monitor.pid'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * The process at the monitor's pid is still this container's monitor (or the
   * exit command it execs: both name the container in their argv), not a later
   * process that got the pid of a killed one.
   */
  private monitorRuns(id: string, pid: number | undefined): boolean {
    if (pid === undefined || !pidAlive(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id.slice(0, 12));
    } catch {
      return false;
    }
  }

  /**
   * The record with its live state folded in (no write; get, repair and
   * finishExit write what it finds). Running means the container's init lives:
   * a record whose start was not written (its command was killed) but whose
   * init runs is Running; one whose monitor died is Exited (137: the init dies
   * with its monitor, see docs/cli.md "Container states").
   */
  async view(rec: ContainerRecord, opts: { locked?: boolean } = {}): Promise<ContainerRecord> {
    const s = rec.State;
    if (s.Restarting) {
      // Between two runs the restarting process owns the container.
      if (pidAlive(rec.Gantry.restarter ?? 0)) return rec;
      return { ...rec, State: { ...s, Status: 'exited', Running: false, Restarting: false, Pid: 0 } };
    }
    if (!s.Running) return rec.Gantry.creator === undefined ? this.viewUnrecordedStart(rec, opts) : rec;
    const exit = await this.exitInfo(rec.Id);
    if (exit) return { ...rec, State: exitedState(s, exit) };
    const monitor = this.monitorPid(rec.Id);
    if (this.monitorRuns(rec.Id, monitor)) return rec;
    // It may have recorded the exit and gone since the first read.
    const late = await this.exitInfo(rec.Id);
    if (late) return { ...rec, State: exitedState(s, late) };
    return { ...rec, State: lostMonitorState(s, monitor) };
  }

  /**
   * A stopped record with a monitor's pid file beside it: a start whose command
   * died after launching the monitor and before recording the start (or its
   * exit). The runtime's state says whether the init got as far as running.
   */
  private async viewUnrecordedStart(rec: ContainerRecord, opts: { locked?: boolean }): Promise<ContainerRecord> {
    const monitor = this.monitorPid(rec.Id);
    // A live command holding the lock is starting it right now.
    if (monitor === undefined || (!opts.locked && this.lockHeld(rec.Id))) return rec;
    const s = rec.State;
    const exit = await this.exitInfo(rec.Id);
    if (exit) {
      // No pid file: the helper failed (or was cut off) before the init was set up; nothing ran.
      // (A record that already has this exit was folded by a version that kept monitor.pid.)
      if (!existsSync(this.store.runPath(rec.Id, 'pid')) || exit.finishedAt === s.FinishedAt) return rec;
      return { ...rec, State: exitedState(s, exit) };
    }
    const init = await this.runtimeOf(rec).state(rec.Id).catch(() => undefined);
    if (init?.status === 'running' || init?.status === 'paused') {
      const paused = init.status === 'paused';
      return { ...rec, State: { ...s, Status: paused ? 'paused' : 'running', Running: true, Paused: paused, Restarting: false, OOMKilled: false, Dead: false, Pid: init.pid, ExitCode: 0, Error: '', StartedAt: init.created } };
    }
    // Created and waiting for a start that never came: still Created (finishExit removes the init).
    if (init?.status === 'created' || this.monitorRuns(rec.Id, monitor)) return rec;
    const late = await this.exitInfo(rec.Id);
    return { ...rec, State: late ? exitedState(s, late) : lostMonitorState(s, monitor) };
  }

  /** get, repair: folds a state that changed behind the record's back (unless a live command is at it). */
  private async refresh(stored: ContainerRecord): Promise<ContainerRecord> {
    const rec = await this.view(stored);
    if (rec.State === stored.State && (stored.State.Running || this.monitorPid(stored.Id) === undefined)) return rec;
    if (stored.Gantry.creator !== undefined || this.lockHeld(stored.Id)) return rec;
    return (await this.finishExit(stored.Id)) ?? rec;
  }

  async get(ref: string): Promise<ContainerRecord> {
    return this.refresh(await this.store.lookup(ref));
  }

  // ---- create ----

  async resolveImage(ref: string, pull: CreateRequest['pull'], platform: string | undefined, onPull?: (l: string) => void): Promise<EngineImageRecord> {
    if (pull === 'always') {
      await this.images.pull(ref, { ...(platform ? { platform } : {}) });
      return this.images.resolve(ref);
    }
    try {
      return await this.images.resolve(ref);
    } catch (err) {
      if (!(err instanceof GantryError) || err.code !== 'not-found' || pull === 'never') throw err;
      const shown = ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
      onPull?.(`Unable to find image '${shown}' locally\n`);
      await this.images.pull(ref, { ...(platform ? { platform } : {}) });
      return this.images.resolve(ref);
    }
  }

  async create(req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    await this.store.init();
    const hostConfig: HostConfig = { ...defaultHostConfig(), ...req.hostConfig };
    hostConfig.Runtime ||= DEFAULT_RUNTIME;
    // Before a pull: docker's error for a runtime nobody configured.
    const runtimePath = this.runtimes.resolve(hostConfig.Runtime);
    const image = await this.resolveImage(req.config.Image, req.pull ?? 'missing', req.platform, req.onPull);
    const config = mergeImageConfig({ ...defaultConfig(req.config.Image), ...req.config }, image);
    const warnings = validateHostConfig(hostConfig);
    const networks = await this.resolveNetworks(hostConfig, config, req.networkingConfig?.EndpointsConfig ?? {});
    validateSpecOptions(hostConfig);
    if ((config.Entrypoint ?? []).length + (config.Cmd ?? []).length === 0) throw invalidArgument('no command specified');

    const id = newContainerId();
    const requested = req.name?.replace(/^\//, '');
    let name = requested ?? generateName(0);
    const dir = this.store.dir(id);
    const now = new Date().toISOString();
    const rec: ContainerRecord = {
      Id: id,
      Created: now,
      Path: [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])][0] ?? '',
      Args: [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])].slice(1),
      State: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
      Image: image.id,
      // Containers on networks get these files from the network service at start.
      ResolvConfPath: ownFiles(hostConfig) ? join(dir, 'resolv.conf') : '',
      HostnamePath: join(dir, 'hostname'),
      HostsPath: ownFiles(hostConfig) ? join(dir, 'hosts') : '',
      LogPath: join(dir, `${id}-json.log`),
      Name: `/${name}`,
      RestartCount: 0,
      Driver: 'overlay',
      Platform: 'linux',
      MountLabel: '',
      ProcessLabel: '',
      AppArmorProfile: '',
      HostConfig: hostConfig,
      Mounts: [],
      Config: config,
      NetworkSettings: { Bridge: '', SandboxID: '', SandboxKey: '', Ports: {}, Networks: networks },
      Gantry: { creator: process.pid, rootfsKey: id, imageRef: req.config.Image, ...(runtimePath ? { runtimePath } : {}) },
    };
    try {
      // The record (naming its live creator) exists before its name is reserved, so
      // a name whose holder has no record is always a crash's leftover (see repair).
      await this.store.create(rec);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.store.reserveName(name, id);
          break;
        } catch (err) {
          if (requested !== undefined || !(err instanceof GantryError && err.code === 'conflict') || attempt > 20) throw err;
          name = generateName(attempt);
          rec.Name = `/${name}`;
        }
      }
      const populate = await this.prepareMounts(rec);
      await this.images.prepareRootfs(image.id, rec.Gantry.rootfsKey);
      await this.populateVolumes(rec, populate);
      const hostname = config.Hostname || id.slice(0, 12);
      // Synchronous: three small files, where async writes cost four thread-pool round trips each.
      writeFileSync(rec.HostnamePath, `${hostname}\n`);
      if (ownFiles(hostConfig)) {
        writeFileSync(rec.HostsPath, hostsFile(hostname, hostConfig));
        writeFileSync(rec.ResolvConfPath, resolvConf(hostConfig));
      }
      delete rec.Gantry.creator;
      await this.store.write(rec);
    } catch (err) {
      // With its anonymous volumes, as dockerd cleans up a failed create.
      await this.discard(rec, { volumes: true }).catch(() => undefined);
      throw err;
    }
    this.event(rec, 'create');
    return { Id: id, Warnings: warnings };
  }

  /**
   * Checks --network and its companions the way docker does and returns the
   * configured networks (NetworkSettings.Networks of a created container).
   * container:<name> is stored as container:<full id>.
   */
  private async resolveNetworks(hc: HostConfig, config: DockerConfig, endpoints: Record<string, EndpointRequest>): Promise<Record<string, EndpointSettings>> {
    const mode = parseNetworkMode(hc.NetworkMode);
    const hasPorts = Object.keys(hc.PortBindings ?? {}).length > 0 || hc.PublishAllPorts;
    if (mode.kind === 'container') {
      if (config.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
      if (hc.Dns.length) throw invalidArgument('conflicting options: dns and the network mode');
      if ((hc.ExtraHosts ?? []).length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
      if (hasPorts) throw invalidArgument('conflicting options: port publishing and the container type network mode');
      const target = await this.store.lookup(mode.ref);
      hc.NetworkMode = `container:${target.Id}`;
    }
    if (mode.kind === 'ns' && !isAbsolute(mode.path)) throw invalidArgument(`invalid network mode ${hc.NetworkMode}: the namespace path must be absolute`);
    if (mode.kind !== 'network') {
      if (Object.keys(endpoints).length) throw invalidArgument('network-scoped aliases and static IPs are only supported for user-defined networks');
      return {};
    }
    const ep = endpoints[mode.name] ?? {};
    const ip = ep.IPAMConfig?.IPv4Address;
    let networkId = '';
    if (mode.name === 'bridge') {
      if (ip) throw invalidArgument('user specified IP address is supported on user defined networks only');
      if (ep.Aliases?.length) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    } else {
      networkId = (await (await this.networking.service()).inspect(mode.name)).Id;
    }
    return { [mode.name]: blankEndpoint({ ...(ep.Aliases ? { aliases: ep.Aliases } : {}), ...(ip ? { ip } : {}), networkId }) };
  }

  /** Resolves -v/--mount and image VOLUMEs into docker's Mounts list (creating volumes). */
  private async prepareMounts(rec: ContainerRecord): Promise<PlannedMounts['populate']> {
    const planned = await planMounts(this.volumes, rec.HostConfig, Object.keys(rec.Config.Volumes ?? {}));
    rec.Mounts = planned.mounts;
    if (planned.anonymous.length) rec.Gantry.anonymousVolumes = planned.anonymous;
    return planned.populate;
  }

  /** docker's copy of the image's content at a new volume's mount point into the (still empty) volume. */
  private async populateVolumes(rec: ContainerRecord, populate: PlannedMounts['populate']): Promise<void> {
    const empty = [];
    for (const p of populate) if ((await readdir(p.volumePath)).length === 0) empty.push(p);
    if (empty.length === 0) return;
    // Where start mounts it too: a crash leaves nothing discard and start do not unmount.
    const rootfs = this.store.runPath(rec.Id, 'rootfs');
    await mkdir(rootfs, { recursive: true });
    await this.images.mountRootfs(rec.Gantry.rootfsKey, rootfs);
    try {
      const fs = new ContainerFs(rootfs, []);
      for (const p of empty) {
        const { hostPath } = await fs.resolve(p.destination, true);
        if ((await stat(hostPath).catch(() => undefined))?.isDirectory()) await populateVolume(p.volumePath, hostPath);
      }
    } finally {
      await this.images.unmountRootfs(rootfs);
    }
  }

  /** Removes everything a (possibly half-made) container owns. */
  async discard(rec: ContainerRecord, opts: { volumes?: boolean } = {}): Promise<void> {
    const id = rec.Id;
    const rootfsTarget = this.store.runPath(id, 'rootfs');
    // In parallel: the unmount only fails if processes still use the rootfs, and is retried after delete killed them.
    const unmounted = this.images.unmountRootfs(rootfsTarget).then(
      () => true,
      () => false,
    );
    await Promise.all([this.runtimeOf(rec).delete(id, { force: true }).catch(() => undefined), this.networking.teardown(id).catch(() => undefined), unmounted]);
    if (!(await unmounted)) await this.images.unmountRootfs(rootfsTarget).catch(() => undefined);
    await this.images.removeRootfs(rec.Gantry.rootfsKey).catch(() => undefined);
    // Synchronous: a few small files, each async call would be a thread-pool round trip.
    rmSync(this.store.runPath(id), { recursive: true, force: true });
    if (opts.volumes) for (const v of rec.Gantry.anonymousVolumes ?? []) await this.volumes.remove(v, []).catch(() => undefined);
    await this.store.removeDir(id);
    await this.store.releaseName(rec.Name, id);
  }

  /**
   * Removes records a dead creator left half-made, and the networking of
   * containers that are not running and not being worked on (a killed run or
   * start, a reboot), and exited --rm containers nobody removed. Run by ps,
   * rm, container prune, system boot and prune.
   */
  async repair(): Promise<void> {
    for (const stored of await this.store.list()) {
      if (stored.Gantry.creator !== undefined && !pidAlive(stored.Gantry.creator)) {
        await this.discard(stored, { volumes: true }).catch(() => undefined);
        continue;
      }
      const rec = await this.refresh(stored);
      // A --rm whose remover died (a killed foreground run, a restarted daemon): removed as its exit would have.
      if (rec.HostConfig.AutoRemove && rec.State.Status === 'exited' && !this.lockHeld(rec.Id)) await this.remove(rec.Id, { force: true, volumes: true }).catch(() => undefined);
    }
    await this.store.sweepOrphanNames();
    // Asked per container when gc decides it, not listed beforehand: a run that
    // started after the listing would have its networking torn down while it runs.
    await this.networking.gc({ has: (id) => this.mayUseNetwork(id) }).catch(() => undefined);
  }

  /**
   * Running, restarting, being created by a live process, or locked by a live
   * command. The lock is checked before the record: a start holds it from before
   * its network setup until the record says running.
   */
  private async mayUseNetwork(id: string): Promise<boolean> {
    if (this.lockHeld(id)) return true;
    const stored = await this.store.read(id);
    if (!stored) return false;
    if (stored.Gantry.creator !== undefined) return pidAlive(stored.Gantry.creator);
    const rec = await this.view(stored);
    return rec.State.Running || rec.State.Restarting;
  }

  /** A live command holds the container's lock (e.g. a start between network setup and the record saying running). */
  private lockHeld(id: string): boolean {
    return lockHeld(this.store.lockPath(id));
  }

  // ---- start ----

  async start(ref: string, opts: { beforeStart?: (id: string) => Promise<void>; restart?: boolean } = {}): Promise<ContainerRecord> {
    return (await this.startChecked(ref, opts)).rec;
  }

  /** start, saying whether it started it (false: it was running already, dockerd's 304). */
  async startChecked(ref: string, opts: { beforeStart?: (id: string) => Promise<void>; restart?: boolean } = {}): Promise<{ rec: ContainerRecord; started: boolean }> {
    const found = await this.store.lookup(ref);
    return this.store.withContainerLock(found.Id, async () => {
      const rec = await this.foldLocked((await this.store.read(found.Id)) ?? found);
      if (rec.State.Running && !rec.State.Restarting) {
        if (rec.State.Paused) throw failedPrecondition(`cannot start a paused container, try unpause instead`);
        return { rec, started: false };
      }
      if (rec.Gantry.creator !== undefined && !opts.restart) throw failedPrecondition(`container ${rec.Id} is being created`);
      await this.startLocked(rec, opts.beforeStart, this.foregroundRemovals.has(rec.Id));
      return { rec, started: true };
    });
  }

  private monitorArgs(rec: ContainerRecord, foregroundRm: boolean, rootfsMount: string[], cgroupsPath: string | undefined): string[] {
    const hc = rec.HostConfig;
    const runDir = this.store.runPath(rec.Id);
    const args = [nativeBinary('gantry-monitor'), '--dir', runDir, '--pidfile', join(runDir, 'pid')];
    // The container's own cgroup, wherever its memory controller is mounted (v1) or its memory.events (v2).
    const oomFile = this.runtimeOf(rec).oomCountFile(rec.Id, cgroupsPath);
    if (oomFile) args.push('--oom-file', oomFile);
    if (hc.LogConfig.Type !== 'none') {
      args.push('--log', rec.LogPath);
      const maxSize = hc.LogConfig.Config['max-size'];
      if (maxSize) args.push('--log-max-size', String(parseSizeOpt(maxSize)), '--log-max-file', hc.LogConfig.Config['max-file'] ?? '1');
    }
    // The CRI server's containers log a second copy in the kubelet's format, where the kubelet reads it.
    const criLog = hc.LogConfig.Config[CRI_LOG_PATH_OPTION];
    if (criLog) args.push('--cri-log', criLog);
    if (rec.Config.Tty) args.push('--tty');
    if (rec.Config.OpenStdin) args.push('--stdin');
    const hooks = [process.execPath, monitorHooksEntry(), this.store.root, this.store.runroot];
    if (!foregroundRm) for (const a of [...hooks, 'exit', rec.Id]) args.push('--exit-arg', a);
    const hcfg = rec.Config.Healthcheck;
    if (hcfg?.Test && hcfg.Test[0] !== 'NONE' && hcfg.Test.length > 0) {
      const interval = hcfg.Interval ? Math.round(hcfg.Interval / 1e6) : 30000;
      args.push('--health-interval-ms', String(interval));
      for (const a of [...hooks, 'health', rec.Id]) args.push('--health-arg', a);
    }
    args.push(...rootfsMount, '--');
    return args;
  }

  private async startLocked(rec: ContainerRecord, beforeStart?: (id: string) => Promise<void>, foregroundRm = false): Promise<void> {
    const id = rec.Id;
    const runDir = this.store.runPath(id);
    const rootfs = join(runDir, 'rootfs');
    const runtime = this.runtimeOf(rec);
    await runtime.delete(id, { force: true }).catch(() => undefined);
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    await mkdir(rootfs, { recursive: true });
    let created = false;
    try {
      if (rec.HostConfig.Init && !existsSync(nativeBinary('gantry-tini'))) throw invalidArgument(`--init: ${nativeBinary('gantry-tini')} is not built (run make -C native)`);
      // The network (netns, veth, ports) is wired while the user is resolved.
      const [net, { user, monitorMount }] = await bothSettled(this.joinNetwork(rec), this.prepareRootfs(rec, rootfs));
      await this.volumes.mountDevices(rec.Mounts); // after a reboot, device-backed volumes are not mounted
      const spec = buildSpec(
        {
          id,
          config: rec.Config,
          hostConfig: rec.HostConfig,
          rootfs,
          user,
          hostnamePath: net.hostnamePath,
          hostsPath: net.hostsPath,
          resolvConfPath: net.resolvConfPath,
          mounts: userMounts(rec.Mounts, rec.HostConfig),
          ...(net.namespace ? { network: net.namespace } : {}),
          ...(rec.HostConfig.Init ? { initPath: nativeBinary('gantry-tini') } : {}),
          ...(await resolveDevices(rec.HostConfig)),
          cgroupns: detectCgroupVersion() === 2,
          ...(await this.sharedNamespaces(rec.HostConfig)),
        },
        this.allCapabilities,
      );
      await writeFile(join(runDir, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
      await runtime.create({
        id,
        bundle: runDir,
        spec,
        pidFile: join(runDir, 'pid'),
        ...(rec.Config.Tty ? { consoleSocket: join(runDir, 'console.sock') } : {}),
        wrapper: this.monitorArgs(rec, foregroundRm, monitorMount, spec.linux?.cgroupsPath),
      });
      created = true;
      if (beforeStart) await beforeStart(id);
      for (const hook of this.beforeStartHooks.get(id) ?? []) await hook();
      await runtime.start(id);
      let pid = 0;
      try {
        pid = Number(readFileSync(join(runDir, 'pid'), 'utf8'));
      } catch {
        // the runtime wrote none: inspect shows 0
      }
      rec.State = { ...rec.State, Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), FinishedAt: rec.State.FinishedAt };
      rec.Gantry.stoppedByUser = false;
      await this.store.write(rec);
      this.event(rec, 'start');
    } catch (err) {
      if (created) await runtime.delete(id, { force: true }).catch(() => undefined);
      // Once the monitor has unmounted and reported, its pid file goes: the failure, not its report, is this start's record.
      await waitForExit(runDir, 10000);
      rmSync(join(runDir, 'monitor.pid'), { force: true });
      await this.networking.teardown(id).catch(() => undefined);
      rec.NetworkSettings = idleNetworkSettings(rec.NetworkSettings);
      await this.images.unmountRootfs(rootfs).catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      rec.State = { ...rec.State, Status: rec.State.StartedAt === ZERO_TIME ? 'created' : 'exited', Running: false, Restarting: false, Pid: 0, ExitCode: startFailureCode(message), Error: message };
      await this.store.write(rec).catch(() => undefined);
      this.changed.emit(id, 'start-failed');
      throw err instanceof GantryError ? err : wrap('start container', err);
    }
  }

  /**
   * Resolves the container's user from its snapshot's layers and leaves mounting
   * the rootfs to the monitor (no mount(8) spawn; the monitor also unmounts when
   * the container exits). Mounts here, as before, when the snapshot is not an
   * overlay or its layers cannot tell the user files without a mount.
   */
  private async prepareRootfs(rec: ContainerRecord, rootfs: string): Promise<{ user: ResolvedUser; monitorMount: string[] }> {
    const snapshots = requireImageService(this.images, 'start').snapshots;
    const view = await snapshots.view(rec.Gantry.rootfsKey);
    if (view.mount.type === 'overlay') {
      const user = resolveUserInLayers(rec.Config.User, view.layers, rec.HostConfig.GroupAdd ?? []);
      if (user) return { user, monitorMount: ['--mount-overlay', snapshots.root, rootfs, view.mount.options.join(',')] };
    }
    await this.images.mountRootfs(rec.Gantry.rootfsKey, rootfs);
    return { user: await resolveUserInRootfs(rec.Config.User, rootfs, rec.HostConfig.GroupAdd ?? []), monitorMount: [] };
  }

  /**
   * The container's network namespace and the files it gets as /etc/hosts,
   * /etc/resolv.conf and /etc/hostname, per HostConfig.NetworkMode. On a
   * network, the service sets it up now and rec's NetworkSettings and file
   * paths are updated (the caller saves rec).
   */
  private async joinNetwork(rec: ContainerRecord): Promise<{ namespace?: 'host' | { netnsPath: string }; hostsPath: string; resolvConfPath: string; hostnamePath: string }> {
    const own = { hostsPath: rec.HostsPath, resolvConfPath: rec.ResolvConfPath, hostnamePath: rec.HostnamePath };
    const mode = parseNetworkMode(rec.HostConfig.NetworkMode);
    switch (mode.kind) {
      case 'none':
        return own;
      case 'ns':
        // Its own hosts and resolv.conf, as with none; containers joining this one find the netns by SandboxKey.
        rec.NetworkSettings.SandboxKey = mode.path;
        return { ...own, namespace: { netnsPath: mode.path } };
      case 'host':
        return { ...own, namespace: 'host' };
      case 'container': {
        // docker shares the target's netns and its hosts, resolv.conf and hostname files.
        const target = await this.get(mode.ref).catch(() => undefined);
        if (!target?.State.Running || target.State.Restarting) throw conflict(`cannot join network of a non running container: ${mode.ref}`);
        const netnsPath = target.NetworkSettings.SandboxKey || `/proc/${target.State.Pid}/ns/net`;
        return { namespace: { netnsPath }, hostsPath: target.HostsPath, resolvConfPath: target.ResolvConfPath, hostnamePath: target.HostnamePath };
      }
      case 'network': {
        const net = await this.networking.setup(rec);
        rec.NetworkSettings = net.settings;
        rec.HostsPath = net.hostsPath;
        rec.ResolvConfPath = net.resolvConfPath;
        return { namespace: { netnsPath: net.netnsPath }, hostsPath: net.hostsPath, resolvConfPath: net.resolvConfPath, hostnamePath: rec.HostnamePath };
      }
    }
  }

  /** Has the monitor write a new CRI log file at its path (after the kubelet renamed the old one). */
  async reopenCriLog(ref: string): Promise<void> {
    const rec = await this.get(ref);
    const monitor = this.monitorPid(rec.Id);
    if (!rec.State.Running || monitor === undefined) throw failedPrecondition(`container ${rec.Id} is not running`);
    if (!rec.HostConfig.LogConfig.Config[CRI_LOG_PATH_OPTION]) throw failedPrecondition(`container ${rec.Id} has no CRI log`);
    process.kill(monitor, 'SIGUSR1');
  }

  /** HostConfig.IpcMode, UTSMode and PidMode: the host's namespaces, or a running container's. */
  private async sharedNamespaces(hc: HostConfig): Promise<Partial<Record<'ipc' | 'uts' | 'pid', 'host' | { nsPath: string }>>> {
    const resolve = async (mode: string | undefined, type: 'ipc' | 'uts' | 'pid') => {
      if (!mode || mode === 'private' || mode === 'shareable' || mode === 'none') return undefined;
      if (mode === 'host') return 'host' as const;
      if (!mode.startsWith('container:')) throw invalidArgument(`invalid ${type.toUpperCase()} mode: ${mode}`);
      const ref = mode.slice('container:'.length);
      const target = await this.get(ref).catch(() => undefined);
      if (!target?.State.Running || target.State.Restarting) throw conflict(`cannot join ${type.toUpperCase()} of a non running container: ${ref}`);
      return { nsPath: `/proc/${target.State.Pid}/ns/${type}` };
    };
    const [ipc, uts, pid] = await Promise.all([resolve(hc.IpcMode, 'ipc'), resolve(hc.UTSMode, 'uts'), resolve(hc.PidMode, 'pid')]);
    return { ...(ipc ? { ipc } : {}), ...(uts ? { uts } : {}), ...(pid ? { pid } : {}) };
  }

  // ---- stop / kill ----

  async kill(ref: string, signal: number, opts: { userStop?: boolean } = {}): Promise<ContainerRecord> {
    const rec = await this.get(ref);
    if (!rec.State.Running) throw conflict(`Cannot kill container: ${ref}: container ${rec.Id} is not running`);
    if (opts.userStop) await this.markStoppedByUser(rec.Id);
    try {
      await this.runtimeOf(rec).kill(rec.Id, signal, { all: false });
    } catch (err) {
      // Raced with the container's own exit: that's what the caller wanted.
      if (!(await this.exitInfo(rec.Id))) throw err;
    }
    if (!opts.userStop) this.event(rec, 'kill', { signal: String(signal) });
    return rec;
  }

  private async markStoppedByUser(id: string): Promise<void> {
    await this.store.withContainerLock(id, async () => {
      const rec = await this.store.read(id);
      if (rec) {
        rec.Gantry.stoppedByUser = true;
        await this.store.write(rec);
      }
    });
  }

  async stop(ref: string, timeoutSec: number | undefined, signal: number, killSignal = 9): Promise<ContainerRecord> {
    const rec = await this.get(ref);
    if (!rec.State.Running) return rec;
    await this.markStoppedByUser(rec.Id);
    const runtime = this.runtimeOf(rec);
    if (rec.State.Paused) await runtime.resume(rec.Id).catch(() => undefined);
    const timeout = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    await runtime.kill(rec.Id, signal).catch(() => undefined);
    // No grace period (stop -t 0, the CRI's kills): no wait before the kill.
    if (timeout === 0 || (timeout > 0 && !(await waitForExit(this.store.runPath(rec.Id), timeout * 1000)))) {
      await runtime.kill(rec.Id, killSignal, { all: true }).catch(() => undefined);
    }
    await waitForExit(this.store.runPath(rec.Id), -1);
    await this.finishExit(rec.Id);
    this.event(rec, 'stop');
    return rec;
  }

  /** Folds what view finds behind the record's back into it, under the container's lock (see foldLocked). */
  async finishExit(id: string): Promise<ContainerRecord | undefined> {
    try {
      return await this.store.withContainerLock(id, async () => {
        const stored = await this.store.read(id);
        return stored && this.foldLocked(stored);
      });
    } catch (err) {
      // Removed meanwhile (rm -f elsewhere): its lock file went with its directory.
      if (isNotFound(err) && !(await this.store.read(id))) return undefined;
      throw err;
    }
  }

  /**
   * Writes what view found: an exit (the monitor's report, or a lost monitor:
   * whatever of the container still runs is killed) with its oom and die events,
   * exactly once as the record changes; or a start whose command died before
   * recording it. An init left waiting for a start that never came is removed.
   * An exited container's runtime state, mount and network are released.
   */
  private async foldLocked(stored: ContainerRecord): Promise<ContainerRecord> {
    const id = stored.Id;
    if (stored.Gantry.creator !== undefined) return stored;
    const rec = await this.view(stored, { locked: true });
    if (rec.State === stored.State) {
      if (!stored.State.Running) await this.removeUnstartedRun(stored);
      return rec;
    }
    if (rec.State.Running) {
      rec.NetworkSettings = (await this.networking.current(rec).catch(() => undefined)) ?? rec.NetworkSettings;
      await this.store.write(rec);
      this.event(rec, 'start');
      return rec;
    }
    await this.runtimeOf(stored).delete(id, { force: true }).catch(() => undefined);
    await this.images.unmountRootfs(this.store.runPath(id, 'rootfs')).catch(() => undefined);
    // A failed teardown keeps the network's record; the next repair's gc retries it.
    await this.networking.teardown(id).catch(() => undefined);
    rec.NetworkSettings = idleNetworkSettings(rec.NetworkSettings);
    await this.store.write(rec);
    // The run is recorded: the monitor's pid file no longer stands for an unrecorded one.
    rmSync(this.store.runPath(id, 'monitor.pid'), { force: true });
    // A restarting record's run was folded (and its die emitted) before the back-off.
    if (!stored.State.Restarting) {
      if (rec.State.OOMKilled) this.event(rec, 'oom');
      this.event(rec, 'die', { exitCode: String(rec.State.ExitCode) });
    }
    return rec;
  }

  /**
   * A stopped record that view left as it is beside a monitor's pid file: a start
   * killed before its init ran. Its init may be blocked on the exec fifo (or not
   * yet in the runtime's state, if the start died inside create): it is killed;
   * then the run directory's leftovers go, so the next read is the fast one.
   */
  private async removeUnstartedRun(rec: ContainerRecord): Promise<void> {
    const id = rec.Id;
    const monitor = this.monitorPid(id);
    if (monitor === undefined) return;
    if (this.monitorRuns(id, monitor)) {
      await this.runtimeOf(rec).delete(id, { force: true }).catch(() => undefined);
      // The monitor unmounts the rootfs and reports; then its run directory is free for the next start.
      await waitForExit(this.store.runPath(id), 10000);
    }
    for (const f of ['monitor.pid', 'exit.json']) rmSync(this.store.runPath(id, f), { force: true });
    await this.networking.teardown(id).catch(() => undefined);
  }

  // ---- remove ----

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = await this.get(ref);
    if (rec.State.Running) {
      if (!opts.force) {
        throw conflict(`cannot remove container "${rec.Name}": container is running: stop the container before removing or force remove`);
      }
      await this.markStoppedByUser(rec.Id);
      await this.runtimeOf(rec).kill(rec.Id, 9, { all: true }).catch(() => undefined);
      await waitForExit(this.store.runPath(rec.Id), 10000);
    }
    await this.store.withContainerLock(rec.Id, async () => {
      const current = await this.store.read(rec.Id);
      // Folded first: the exit that rm -f or run --rm caused gets its die event like any other.
      if (current) await this.discard(await this.foldLocked(current), opts);
    });
    this.event(rec, 'destroy');
  }

  /**
   * Run by the monitor's exit hook (monitor-hooks.ts): records
   * the exit, releases mount and runtime state, then applies --rm or the
   * restart policy with docker's back-off (100 ms doubling, reset after 10 s up).
   */
  async handleExit(id: string): Promise<void> {
    const rec = await this.finishExit(id);
    // Running: a new run began meanwhile; created: the run never began (a start killed before it).
    if (!rec || rec.State.Running || rec.State.Status === 'created') return;
    if (rec.HostConfig.AutoRemove) {
      await this.remove(id, { force: true, volumes: true }).catch(() => undefined);
      return;
    }
    if (!shouldRestart(rec)) return;
    const ranMs = Date.parse(rec.State.FinishedAt) - Date.parse(rec.State.StartedAt);
    const delay = ranMs >= 10000 ? 100 : Math.min((rec.Gantry.restartDelayMs ?? 50) * 2, 60000);
    const marked = await this.store.withContainerLock(id, async () => {
      const cur = await this.store.read(id);
      if (!cur || cur.Gantry.stoppedByUser || cur.State.Running) return false;
      cur.State = { ...cur.State, Status: 'restarting', Running: true, Restarting: true };
      cur.Gantry.restartDelayMs = delay;
      cur.Gantry.restarter = process.pid;
      await this.store.write(cur);
      return true;
    });
    if (!marked) return;
    await new Promise((r) => setTimeout(r, delay));
    await this.store.withContainerLock(id, async () => {
      const cur = await this.store.read(id);
      if (!cur || !cur.State.Restarting) return;
      delete cur.Gantry.restarter;
      if (cur.Gantry.stoppedByUser) {
        cur.State = { ...cur.State, Status: 'exited', Running: false, Restarting: false };
        await this.store.write(cur);
        return;
      }
      cur.RestartCount += 1;
      await this.startLocked(cur).catch(() => undefined);
    });
  }

  async setPaused(ref: string, paused: boolean): Promise<void> {
    const found = await this.get(ref);
    await this.store.withContainerLock(found.Id, async () => {
      const rec = await this.view((await this.store.read(found.Id)) ?? found);
      if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
      if (paused && rec.State.Paused) throw conflict(`container ${rec.Id} is already paused`);
      if (!paused && !rec.State.Paused) throw conflict(`container ${rec.Id} is not paused`);
      if (paused) await this.runtimeOf(rec).pause(rec.Id);
      else await this.runtimeOf(rec).resume(rec.Id);
      rec.State = { ...rec.State, Paused: paused, Status: paused ? 'paused' : 'running' };
      await this.store.write(rec);
      this.event(rec, paused ? 'pause' : 'unpause');
    });
  }

  async rename(ref: string, newName: string): Promise<void> {
    const found = await this.get(ref);
    const name = newName.replace(/^\//, '');
    if (`/${name}` === found.Name) throw conflict(`Renaming a container with the same name as its current name`);
    await this.store.reserveName(name, found.Id);
    try {
      await this.store.withContainerLock(found.Id, async () => {
        const rec = (await this.store.read(found.Id))!;
        const old = rec.Name;
        rec.Name = `/${name}`;
        await this.store.write(rec);
        await this.store.releaseName(old, rec.Id);
        this.event(rec, 'rename', { oldName: old });
      });
    } catch (err) {
      await this.store.releaseName(name, found.Id);
      throw err;
    }
  }

  // ---- network connect / disconnect ----

  /** `network connect`: joins a running container now; a stopped one joins at its next start. */
  async connectNetwork(ref: string, network: string, o: { aliases?: string[]; ip?: string } = {}): Promise<void> {
    await this.updateNetworks(ref, async (rec, svc) => {
      const mode = parseNetworkMode(rec.HostConfig.NetworkMode);
      if (mode.kind === 'host') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
      if (mode.kind !== 'network') throw invalidArgument('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      if (rec.State.Running) return void (await svc.connect(rec.Id, network, o));
      const net = await svc.inspect(network);
      if (rec.NetworkSettings.Networks[net.Name]) throw conflict(`endpoint with name ${rec.Name.slice(1)} already exists in network ${net.Name}`);
      rec.NetworkSettings.Networks[net.Name] = blankEndpoint({ ...(o.aliases ? { aliases: o.aliases } : {}), ...(o.ip ? { ip: o.ip } : {}), networkId: net.Id });
    });
  }

  /** `network disconnect`. */
  async disconnectNetwork(ref: string, network: string, o: { force?: boolean } = {}): Promise<void> {
    await this.updateNetworks(ref, async (rec, svc) => {
      if (rec.State.Running) return void (await svc.disconnect(rec.Id, network, o));
      const net = await svc.inspect(network).catch((err) => {
        if (o.force) return undefined;
        throw err;
      });
      const name = net?.Name ?? network;
      if (!rec.NetworkSettings.Networks[name] && !o.force) throw failedPrecondition(`container ${rec.Id} is not connected to network ${name}`);
      delete rec.NetworkSettings.Networks[name];
    });
  }

  private async updateNetworks(ref: string, change: (rec: ContainerRecord, svc: Awaited<ReturnType<EngineNetworking['service']>>) => Promise<void>): Promise<void> {
    const found = await this.store.lookup(ref);
    await this.store.withContainerLock(found.Id, async () => {
      const rec = await this.view((await this.store.read(found.Id)) ?? found);
      const svc = await this.networking.service();
      await change(rec, svc);
      if (rec.State.Running) rec.NetworkSettings = (await this.networking.current(rec)) ?? rec.NetworkSettings;
      await this.store.write(rec);
    });
  }

  attach(id: string) {
    return connectAttach(this.store.runPath(id, 'attach.sock'));
  }
}

// ---- helpers ----

/** The monitor hooks' script: the bundle unless the compiled module is newer (as cliEntry decides for the CLI). */
function monitorHooksEntry(): string {
  const dir = join(installRoot(), 'dist', 'src', 'engine');
  const mtime = (f: string) => statSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return join(dir, mtime('monitor-hooks.cjs') > mtime('monitor-hooks.js') ? 'monitor-hooks.cjs' : 'monitor-hooks.js');
}


/** none and host containers get /etc/hosts and /etc/resolv.conf from their own directory. */
const ownFiles = (hc: HostConfig) => ['none', 'host', 'ns'].includes(parseNetworkMode(hc.NetworkMode).kind);

export function shouldRestart(rec: ContainerRecord): boolean {
  const p = rec.HostConfig.RestartPolicy;
  if (rec.Gantry.stoppedByUser) return false;
  switch (p.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return rec.State.ExitCode !== 0 && (p.MaximumRetryCount === 0 || rec.RestartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** Like Promise.all for two, but waits for both so the failure path never races a mount or setup still under way. */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

function exitedState(s: ContainerStateJSON, exit: ExitInfo): ContainerStateJSON {
  return { ...s, Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, FinishedAt: exit.finishedAt };
}

/**
 * The monitor is gone without a report. Its init died with it (SIGKILL on the
 * parent's death), or is killed when this is folded: 137. Without a pid file
 * (the run directory is on tmpfs: a reboot) nothing is known: 255.
 */
function lostMonitorState(s: ContainerStateJSON, monitorPid: number | undefined): ContainerStateJSON {
  const finishedAt = new Date().toISOString();
  if (monitorPid === undefined) return { ...exitedState(s, { exitCode: 255, oomKilled: false, finishedAt }), Error: 'container monitor is gone (host rebooted?): exit status unknown' };
  return { ...exitedState(s, { exitCode: 137, oomKilled: false, finishedAt }), Error: `container monitor (pid ${monitorPid}) died: the container was killed with it` };
}

function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|not found/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 128;
}

function parseSizeOpt(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid value for max-size: ${s}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * --device as dockerd resolves it: a symlink to its target, a directory to the
 * device nodes under it (paths mapped below the container path); its errors.
 */
async function resolveDevices(hc: HostConfig): Promise<{ devices: LinuxDevice[]; deviceAccess: string[] }> {
  const devices: LinuxDevice[] = [];
  const deviceAccess: string[] = [];
  const add = (st: Stats, path: string, access: string) => {
    const major = Math.floor(st.rdev / 256) & 0xfff;
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    devices.push({ path, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid });
    deviceAccess.push(access);
  };
  const isDevice = (st: Stats) => st.isCharacterDevice() || st.isBlockDevice();
  for (const d of hc.Devices) {
    const fail = (why: string) => invalidArgument(`error gathering device information while adding custom device "${d.PathOnHost}": ${why}`);
    const st = await stat(d.PathOnHost).catch(() => undefined);
    if (!st) throw fail('no such file or directory');
    const inContainer = d.PathInContainer || d.PathOnHost;
    if (isDevice(st)) {
      add(st, inContainer, d.CgroupPermissions || 'rwm');
      continue;
    }
    if (!st.isDirectory()) throw fail('not a device node');
    const found = devices.length;
    const root = await realpath(d.PathOnHost);
    for (const rel of (await readdir(root, { recursive: true })).sort()) {
      const child = await lstat(join(root, rel)).catch(() => undefined);
      if (child && isDevice(child)) add(child, join(inContainer, rel), d.CgroupPermissions || 'rwm');
    }
    if (devices.length === found) throw fail('not a device node');
  }
  return { devices, deviceAccess };
}

function mergeImageConfig(c: DockerConfig, image: EngineImageRecord): DockerConfig {
  const ic = image.config.config ?? {};
  const env = new Map<string, string>();
  for (const e of [...(ic.Env ?? []), ...c.Env]) env.set(e.split('=')[0]!, e);
  const entrypointGiven = c.Entrypoint !== null;
  return {
    ...c,
    Env: [...env.values()],
    Entrypoint: entrypointGiven ? (c.Entrypoint!.length === 1 && c.Entrypoint![0] === '' ? null : c.Entrypoint) : (ic.Entrypoint ?? null),
    Cmd: c.Cmd ?? (entrypointGiven ? null : (ic.Cmd ?? null)),
    WorkingDir: c.WorkingDir || ic.WorkingDir || '',
    User: c.User || ic.User || '',
    Labels: { ...(ic.Labels ?? {}), ...c.Labels },
    Volumes: ic.Volumes || c.Volumes ? { ...(ic.Volumes ?? {}), ...(c.Volumes ?? {}) } : null,
    ...(c.StopSignal || ic.StopSignal ? { StopSignal: c.StopSignal || ic.StopSignal } : {}),
    ...(c.Healthcheck || ic.Healthcheck ? { Healthcheck: { ...(ic.Healthcheck ?? {}), ...(c.Healthcheck ?? {}) } } : {}),
    ...(ic.ExposedPorts || c.ExposedPorts ? { ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(c.ExposedPorts ?? {}) } } : {}),
  };
}

/** dockerd's checks of a new container's HostConfig; returns its warnings. */
function validateHostConfig(hc: HostConfig): string[] {
  if (hc.Memory > 0 && hc.Memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (hc.MemorySwap > 0 && hc.Memory > 0 && hc.MemorySwap < hc.Memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  const p = hc.RestartPolicy;
  if (p.Name === 'on-failure' && p.MaximumRetryCount < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
  if (hc.AutoRemove && p.Name && p.Name !== 'no') throw invalidArgument('can\'t create \'AutoRemove\' container with restart policy');
  return checkResourceLimits(hc);
}

function hostsFile(hostname: string, hc: HostConfig): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::\tip6-localnet', 'ff00::\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters'];
  for (const h of hc.ExtraHosts ?? []) {
    const i = h.indexOf(':');
    lines.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
  }
  if (hc.NetworkMode !== 'host') lines.push(`127.0.1.1\t${hostname}`);
  return lines.join('\n') + '\n';
}

function resolvConf(hc: HostConfig): string {
  let host = '';
  try {
    host = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no host resolver configuration: the defaults below
  }
  const hostServers = host.split('\n').filter((l) => /^nameserver\s/.test(l) && !/\s127\./.test(l)).map((l) => l.trim().split(/\s+/)[1]!);
  const servers = hc.Dns.length ? hc.Dns : hostServers.length ? hostServers : ['8.8.8.8', '8.8.4.4'];
  const search = hc.DnsSearch.length ? hc.DnsSearch : host.split('\n').filter((l) => /^search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const lines = servers.map((s) => `nameserver ${s}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (hc.DnsOptions.length) lines.push(`options ${hc.DnsOptions.join(' ')}`);
  return lines.join('\n') + '\n';
}
