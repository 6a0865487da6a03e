// Builds a Dockerfile through the Engine interface, as docker's classic
// builder does but with only the stages the target needs, independent stages
// side by side, and config-only steps folded into the next layer step:
// RUN runs in a real container that is then committed; COPY/ADD put a tar into
// a created container that is committed; the rest changes the config. Every
// layer step and the final image are cached by a chain key (parent, the
// instruction with its variables expanded, the files' checksums, the build args
// in scope), so an unchanged rebuild starts no container at all.
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { CommitHistoryEntry, Engine } from '../engine/api.js';
import type { BuildCacheIndex } from '../engine/build-cache.js';
import type { ContainerConfig } from '../oci/image-spec.js';
import { invalidArgument, GantryError, isNotFound } from '../errdefs/index.js';
import { parseDockerfile, type Instruction } from './dockerfile/parse.js';
import { expandWord, expandWords, type Lookup } from './dockerfile/expand.js';
import { planStages, stageRef, targetStage, neededStages, type Stage } from './stages.js';
import type { IgnorePattern } from './dockerignore.js';
import { selectSources, sourcesChecksum, sourcesTar, type CopyOwnership, type SourceFile } from './copy-sources.js';
import { resolveOwnership } from './ownership.js';
import { addSources } from './add-sources.js';
import { parseGoDuration } from '../sys/go-duration.js';
import { extractTar } from '../engine/tar-tree.js';
import { historyOf, loadCandidates, matching, onBase, prefixImage, type CacheCandidate } from './cache-from.js';

/** The build flags docker's CLI and POST /build share. */
export interface BuildSettings {
  tags?: string[];
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Pull base images even when present. */
  pull?: boolean;
  /** Keep the container of a failed step (docker's --rm=false); never kept by default. */
  keepFailed?: boolean;
  /** NetworkMode of RUN steps (default bridge). */
  network?: string;
  platform?: string;
  /** docker's --cache-from: images whose history may answer steps (see cache-from.ts). */
  cacheFrom?: string[];
  signal?: AbortSignal;
}

export interface BuildOptions extends BuildSettings {
  dockerfile: string;
  contextDir: string;
  ignore: IgnorePattern[];
  /** Output text as docker's classic builder prints it (the API wraps each in {"stream": ...}). */
  out: (text: string) => void;
}

export interface BuildResult {
  imageId: string;
  /** Steps answered from the cache / run, for tests and benchmarks. */
  cached: number;
  executed: number;
}

/** Build args every Dockerfile may use without declaring them. */
const PREDEFINED_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface StageState {
  stage: Stage;
  /** The last image made (undefined: scratch with nothing made yet). */
  imageId: string | undefined;
  config: ContainerConfig;
  /** The config differs from imageId's. */
  dirty: boolean;
  key: string;
  /** Declared ARGs in scope and their values. */
  args: Map<string, string>;
  /** WORKDIRs to create before the next container step. */
  pendingDirs: string[];
  /** The base image set CMD, which a new ENTRYPOINT resets (docker's rule). */
  cmdFromBase: boolean;
  /** History entries of config-only steps not committed yet. */
  history: CommitHistoryEntry[];
  /** created_by of the image's whole history so far (the base's, then each step's), for --cache-from. */
  trail: string[];
  /** --cache-from images still matching every step of this stage. */
  cands: CacheCandidate[];
  /** The image is the first trail.length entries of cands[0], not made yet. */
  virtual: boolean;
}

export class Builder {
  private cached = 0;
  private executed = 0;
  private readonly usedArgs = new Set<string>();
  private scratchId: string | undefined;
  private readonly tempDirs: string[] = [];
  private stepNo = 0;
  private totalSteps = 0;
  private candidates: CacheCandidate[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly cache: BuildCacheIndex,
    private readonly opts: BuildOptions,
  ) {}

  async build(): Promise<BuildResult> {
    try {
      return await this.run();
    } finally {
      await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  }

  private async run(): Promise<BuildResult> {
    const df = parseDockerfile(this.opts.dockerfile);
    const escape = df.directives.escape;
    const buildArgs = this.opts.buildArgs ?? {};
    const globals = new Map<string, string>();
    const firstPlan = planStages(df, () => undefined, escape);
    for (const a of firstPlan.globalArgs) for (const [k, v] of this.declareArgs(a, (n) => globals.get(n), escape)) globals.set(k, v);
    const plan = planStages(df, (n) => globals.get(n), escape);
    const target = targetStage(plan, this.opts.target);
    const stages = neededStages(plan, target);
    this.totalSteps = stages.reduce((n, s) => n + 1 + s.steps.length, 0);
    if (this.opts.cacheFrom?.length && !this.opts.noCache) this.candidates = await loadCandidates(this.engine, this.opts.cacheFrom);
    const results = new Map<number, Promise<StageState>>();
    const output = new OrderedOutput(this.opts.out);
    const channels = new Map(stages.map((s) => [s.index, output.channel(s.index)]));
    for (const s of stages) {
      const deps = [...(s.baseStage !== undefined ? [s.baseStage] : []), ...s.copiesFrom];
      results.set(
        s.index,
        Promise.all(deps.map((d) => results.get(d)!)).then(() => this.buildStage(s, plan.stages, results, globals, escape, channels.get(s.index)!))
          .finally(() => output.finish(s.index)),
      );
    }
    // Every stage's failure is reported, the first one thrown.
    const settled = await Promise.allSettled([...results.values()]);
    output.flushAll();
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const final = await results.get(target.index)!;
    const imageId = await this.materialize(final, this.opts.out, this.opts.labels);
    const unused = Object.keys(buildArgs).filter((k) => !this.usedArgs.has(k) && !PREDEFINED_ARGS.has(k));
    if (unused.length) this.opts.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    this.opts.out(`Successfully built ${shortId(imageId)}\n`);
    for (const t of this.opts.tags ?? []) {
      const [repo, tag] = splitTag(t);
      await this.engine.images.tag(imageId, repo, tag);
      this.opts.out(`Successfully tagged ${repo}:${tag}\n`);
    }
    return { imageId, cached: this.cached, executed: this.executed };
  }

  /** ARG name[=default] words: the build arg's value if given, else the default. */
  private declareArgs(ins: Instruction, lookup: Lookup, escape: string): [string, string][] {
    const out: [string, string][] = [];
    for (const word of ins.args) {
      const i = word.indexOf('=');
      const name = i < 0 ? word : word.slice(0, i);
      const given = this.opts.buildArgs?.[name];
      this.usedArgs.add(name);
      if (given !== undefined && given !== null) out.push([name, given]);
      else if (i >= 0) out.push([name, expandWord(word.slice(i + 1), lookup, escape)]);
    }
    return out;
  }

  private step(out: (t: string) => void, ins: Instruction, text?: string): void {
    this.stepNo++;
    out(`Step ${this.stepNo}/${this.totalSteps} : ${text ?? ins.original}\n`);
  }

  private async buildStage(stage: Stage, all: readonly Stage[], results: Map<number, Promise<StageState>>, globals: Map<string, string>, escape: string, out: (t: string) => void): Promise<StageState> {
    this.step(out, stage.from);
    let state: StageState;
    if (stage.baseStage !== undefined) {
      const base = await results.get(stage.baseStage)!;
      const imageId = await this.materialize(base, out);
      state = { stage, imageId, config: structuredClone(base.config), dirty: false, key: imageId, args: new Map(), pendingDirs: [], cmdFromBase: Boolean(base.config.Cmd), ...(await this.historyState(imageId)) };
    } else if (stage.base.toLowerCase() === 'scratch') {
      state = { stage, imageId: undefined, config: { Env: [`PATH=${DEFAULT_PATH}`] }, dirty: false, key: 'scratch', args: new Map(), pendingDirs: [], cmdFromBase: false, history: [], trail: [], cands: [], virtual: false };
    } else {
      const imageId = await this.baseImage(stage.base, stage.platform ?? this.opts.platform, out);
      const img = await this.engine.images.inspect(imageId);
      const config: ContainerConfig = structuredClone((img.Config ?? {}) as ContainerConfig);
      state = { stage, imageId, config, dirty: false, key: imageId, args: new Map(), pendingDirs: [], cmdFromBase: Boolean(config.Cmd), ...(await this.historyState(imageId, img.RootFS?.Layers ?? [])) };
    }
    if (state.imageId) out(` ---> ${shortId(state.imageId)}\n`);
    // docker's rule: every stage has a PATH, the default one when its base has none.
    if (!(state.config.Env ?? []).some((e) => e.startsWith('PATH='))) {
      state.config.Env = [...(state.config.Env ?? []), `PATH=${DEFAULT_PATH}`];
      state.dirty = true;
    }
    // The base's ONBUILD triggers run first, and are not inherited.
    const triggers = state.config.OnBuild ?? [];
    if (triggers.length) {
      delete state.config.OnBuild;
      state.dirty = true;
      for (const t of triggers) {
        out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
        const ins = parseDockerfile(`FROM scratch\n${t}\n`).instructions[1]!;
        await this.execute(state, ins, all, results, globals, escape, out, false);
      }
    }
    for (const ins of stage.steps) await this.execute(state, ins, all, results, globals, escape, out, true);
    return state;
  }

  /** The history fields of a stage starting from an image: its created_by list and the --cache-from images built on it. */
  private async historyState(imageId: string, layers?: string[]): Promise<Pick<StageState, 'history' | 'trail' | 'cands' | 'virtual'>> {
    if (!this.candidates.length) return { history: [], trail: [], cands: [], virtual: false };
    const trail = await historyOf(this.engine, imageId);
    const baseLayers = layers ?? (await this.engine.images.inspect(imageId)).RootFS?.Layers ?? [];
    return { history: [], trail, cands: onBase(this.candidates, trail, baseLayers), virtual: false };
  }

  /** docker's created_by of a config-only step: the shell, "#(nop) " and the instruction. */
  private nop(state: StageState, text: string): string {
    return [...(state.config.Shell ?? DEFAULT_SHELL), '#(nop) ', text].join(' ');
  }

  /**
   * A step's history entry against the --cache-from images: true when one
   * still matches (the step is answered by it), else the image matched so far
   * is made real and the stage goes on without candidates.
   */
  private async track(state: StageState, createdBy: string): Promise<boolean> {
    if (state.cands.length) {
      const left = matching(state.cands, state.trail.length, createdBy);
      if (left.length) {
        state.cands = left;
        state.trail.push(createdBy);
        state.virtual = true;
        return true;
      }
      await this.realize(state);
      state.cands = [];
    }
    state.trail.push(createdBy);
    return false;
  }

  /** Turns a run of steps answered by a --cache-from image into an image. */
  private async realize(state: StageState): Promise<void> {
    if (!state.virtual) return;
    state.virtual = false;
    state.imageId = await prefixImage(this.engine, state.cands[0]!, state.trail.length, state.config);
    state.dirty = false;
    state.pendingDirs = [];
    state.history = [];
    this.cache.put(state.key, state.imageId, 'cache-from');
  }

  private async baseImage(ref: string, platform: string | undefined, out: (t: string) => void): Promise<string> {
    if (!this.opts.pull) {
      const found = await this.engine.images.inspect(ref).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (found) return found.Id;
    }
    out(`${ref.includes(':') || ref.includes('@') ? '' : 'latest: '}Pulling from ${ref}\n`);
    await this.engine.images.pull({ fromImage: ref, ...(platform ? { platform } : {}), ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
    return (await this.engine.images.inspect(ref)).Id;
  }

  /** The lookup for variable expansion: ENV of the stage over its declared ARGs. */
  private lookup(state: StageState): Lookup {
    const env = new Map(state.args);
    for (const e of state.config.Env ?? []) {
      const i = e.indexOf('=');
      if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
    }
    return (n) => env.get(n);
  }

  private advance(state: StageState, descriptor: string): void {
    state.key = sha(`${state.key}\n${descriptor}`);
  }

  private async execute(state: StageState, ins: Instruction, all: readonly Stage[], results: Map<number, Promise<StageState>>, globals: Map<string, string>, escape: string, out: (t: string) => void, counted: boolean): Promise<void> {
    if (this.opts.signal?.aborted) throw new GantryError('cancelled', 'build cancelled');
    const lookup = this.lookup(state);
    const word = (w: string) => expandWord(w, lookup, escape);
    if (counted) this.step(out, ins);
    const c = state.config;
    const changeConfig = async (descriptor: string, nopText: string, layer = false) => {
      state.dirty = true;
      if (descriptor) this.advance(state, descriptor);
      const createdBy = this.nop(state, nopText);
      if (await this.track(state, createdBy)) return;
      state.history.push({ created_by: createdBy, ...(layer ? {} : { empty_layer: true }) });
    };
    const goList = (a: readonly string[]) => `[${a.map((x) => JSON.stringify(x)).join(' ')}]`;
    switch (ins.keyword) {
      case 'ARG':
        for (const [k, v] of this.declareArgs(ins, (n) => lookup(n) ?? globals.get(n), escape)) state.args.set(k, v);
        for (const w of ins.args) {
          const name = w.split('=')[0]!;
          if (!state.args.has(name) && globals.has(name)) state.args.set(name, globals.get(name)!);
        }
        // Args change RUN's environment, so they are part of later keys (docker's "|1 A=b" prefix).
        this.advance(state, `ARG ${[...state.args].map(([k, v]) => `${k}=${v}`).join(' ')}`);
        // One entry for the instruction, with the Dockerfile's defaults (build args show in RUN's prefix).
        return changeConfig('', `ARG ${ins.args.map((w) => (w.includes('=') ? `${w.slice(0, w.indexOf('='))}=${word(w.slice(w.indexOf('=') + 1))}` : w)).join(' ')}`);
      case 'ENV': {
        const env = new Map((c.Env ?? []).map((e) => [e.split('=')[0]!, e] as const));
        for (const [k, v] of ins.pairs!) env.set(word(k), `${word(k)}=${word(v)}`);
        c.Env = [...env.values()];
        return changeConfig(`ENV ${c.Env.join(' ')}`, `ENV ${ins.pairs!.map(([k, v]) => `${word(k)}=${word(v)}`).join(' ')}`);
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of ins.pairs!) c.Labels[word(k)] = word(v);
        return changeConfig(`LABEL ${JSON.stringify(c.Labels)}`, `LABEL ${ins.pairs!.map(([k, v]) => `${word(k)}=${word(v)}`).join(' ')}`);
      case 'MAINTAINER':
        return changeConfig(`MAINTAINER ${ins.args[0]}`, `MAINTAINER ${ins.args[0]}`);
      case 'EXPOSE': {
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of ins.args.flatMap((a) => expandWords(a, lookup, escape))) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalidArgument(`invalid containerPort: ${p}`);
          c.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        return changeConfig(`EXPOSE ${Object.keys(c.ExposedPorts).sort().join(' ')}`, `EXPOSE ${ins.args.flatMap((a) => expandWords(a, lookup, escape)).join(' ')}`);
      }
      case 'VOLUME': {
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of ins.args.map(word)) {
          if (!v) throw invalidArgument('VOLUME specified can not be an empty string');
          c.Volumes[v] = {};
        }
        return changeConfig(`VOLUME ${Object.keys(c.Volumes).join(' ')}`, `VOLUME [${ins.args.map(word).join(' ')}]`);
      }
      case 'USER':
        c.User = word(ins.args[0]!);
        return changeConfig(`USER ${c.User}`, `USER ${c.User}`);
      case 'WORKDIR': {
        const dir = posix.resolve(c.WorkingDir || '/', word(ins.args[0]!));
        c.WorkingDir = dir;
        state.pendingDirs.push(dir);
        return changeConfig(`WORKDIR ${dir}`, `WORKDIR ${dir}`, true);
      }
      case 'STOPSIGNAL':
        c.StopSignal = word(ins.args[0]!);
        return changeConfig(`STOPSIGNAL ${c.StopSignal}`, `STOPSIGNAL ${c.StopSignal}`);
      case 'SHELL':
        c.Shell = [...ins.args];
        return changeConfig(`SHELL ${JSON.stringify(c.Shell)}`, `SHELL [${c.Shell.join(' ')}]`);
      case 'CMD':
        c.Cmd = ins.json ? [...ins.args] : [...(c.Shell ?? DEFAULT_SHELL), ...ins.args];
        state.cmdFromBase = false;
        return changeConfig(`CMD ${JSON.stringify(c.Cmd)}`, `CMD ${goList(c.Cmd)}`);
      case 'ENTRYPOINT':
        c.Entrypoint = ins.json ? [...ins.args] : ins.args.length ? [...(c.Shell ?? DEFAULT_SHELL), ...ins.args] : null;
        if (state.cmdFromBase) c.Cmd = null;
        return changeConfig(`ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`, `ENTRYPOINT ${goList(c.Entrypoint ?? [])}`);
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), ins.args[0]!];
        return changeConfig(`ONBUILD ${ins.args[0]}`, `ONBUILD ${ins.args[0]}`);
      case 'HEALTHCHECK':
        c.Healthcheck = healthcheck(ins);
        return changeConfig(`HEALTHCHECK ${JSON.stringify(c.Healthcheck)}`, `HEALTHCHECK &{${goList(c.Healthcheck.Test ?? [])} ${[c.Healthcheck.Interval, c.Healthcheck.Timeout, c.Healthcheck.StartPeriod, c.Healthcheck.StartInterval].map((n) => `"${goDuration(n ?? 0)}"`).join(' ')} '\\x${(c.Healthcheck.Retries ?? 0).toString(16).padStart(2, '0')}'}`);
      case 'RUN':
        return this.runStep(state, ins, out);
      case 'COPY':
      case 'ADD':
        return this.copyStep(state, ins, all, results, word, out);
      case 'FROM':
        throw invalidArgument(`FROM is not allowed here`);
    }
  }

  /** Takes the image cached for the state's key, if any (and it still exists), as the state's image. */
  private async fromCache(state: StageState, out: (t: string) => void): Promise<boolean> {
    if (this.opts.noCache || state.virtual) return false;
    const id = this.cache.use(state.key);
    if (!id || !(await this.engine.images.inspect(id).then(() => true, () => false))) return false;
    out(' ---> Using cache\n');
    out(` ---> ${shortId(id)}\n`);
    this.cached++;
    state.imageId = id;
    state.dirty = false;
    state.pendingDirs = [];
    state.history = [];
    return true;
  }

  /** A layer step answered by a --cache-from image (its entry matched). */
  private async fromCandidates(state: StageState, createdBy: string, out: (t: string) => void): Promise<boolean> {
    if (!(await this.track(state, createdBy))) return false;
    out(' ---> Using cache\n');
    out(` ---> ${shortId(state.cands[0]!.id)}\n`);
    this.cached++;
    return true;
  }

  /** Commits a step's container with the config and the pending history plus the step's own entry. */
  private async commitStep(state: StageState, cid: string, entry?: CommitHistoryEntry): Promise<string> {
    const history = [...state.history, ...(entry ? [entry] : [])];
    state.history = [];
    return (await this.engine.containers.commit(cid, { config: state.config as never, ...(history.length ? { history } : {}) })).Id;
  }

  private async runStep(state: StageState, ins: Instruction, out: (t: string) => void): Promise<void> {
    const c = state.config;
    const shell = c.Shell ?? DEFAULT_SHELL;
    let cmd: string[];
    if (ins.json) cmd = [...ins.args];
    else if (ins.heredocs.length && ins.args[0] && /^<<-?["']?\w+["']?\s*$/.test(ins.args[0])) cmd = [...shell, ins.heredocs[0]!.content];
    else cmd = [...shell, [ins.args[0] ?? '', ...ins.heredocs.map((h) => `\n${h.content}${h.name}`)].join('')];
    const argEnv = [...state.args].filter(([k]) => !(c.Env ?? []).some((e) => e.startsWith(`${k}=`))).map(([k, v]) => `${k}=${v}`);
    this.advance(state, `RUN ${JSON.stringify(cmd)} ${argEnv.join(' ')} ${state.pendingDirs.join(' ')}`);
    // docker's record of a RUN: the build args in scope, sorted, as "|N k=v ..." before the command.
    const argWords = [...argEnv].sort();
    const createdBy = [...(argWords.length ? [`|${argWords.length}`, ...argWords] : []), ...cmd].join(' ');
    if (await this.fromCache(state, out)) return;
    if (await this.fromCandidates(state, createdBy, out)) return;
    const base = await this.baseForContainer(state);
    const { Id: cid } = await this.engine.containers.create({
      Image: base,
      Cmd: cmd,
      Entrypoint: [''],
      Env: [...(c.Env ?? []), ...argEnv],
      User: c.User ?? '',
      WorkingDir: c.WorkingDir ?? '',
      Labels: {},
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { NetworkMode: this.opts.network || 'bridge' },
    });
    out(` ---> Running in ${shortId(cid)}\n`);
    let ok = false;
    try {
      await this.putPendingDirs(state, cid);
      const session = await this.engine.containers.attach(cid, { stdout: true, stderr: true });
      session.onOutput((_s, data) => out(data.toString()));
      const { result } = await this.engine.containers.wait(cid, 'next-exit');
      await this.engine.containers.start(cid);
      const [exit] = await Promise.all([result, session.ended]);
      if (exit.StatusCode !== 0) {
        throw new GantryError('failed-precondition', `The command '${ins.json ? JSON.stringify(cmd) : cmd.join(' ')}' returned a non-zero code: ${exit.StatusCode}`);
      }
      state.imageId = await this.commitStep(state, cid, { created_by: createdBy });
      ok = true;
    } finally {
      if (ok || !this.opts.keepFailed) {
        out(`Removing intermediate container ${shortId(cid)}\n`);
        await this.engine.containers.remove(cid, { force: true, v: true }).catch(() => undefined);
      }
    }
    this.executed++;
    state.dirty = false;
    state.pendingDirs = [];
    this.cache.put(state.key, state.imageId, `RUN ${ins.args[0] ?? cmd.join(' ')}`);
    out(` ---> ${shortId(state.imageId)}\n`);
  }

  private async copyStep(state: StageState, ins: Instruction, all: readonly Stage[], results: Map<number, Promise<StageState>>, word: (w: string) => string, out: (t: string) => void): Promise<void> {
    const keyword = ins.keyword as 'COPY' | 'ADD';
    const words = ins.args.map(word);
    const heredocDests = ins.heredocs.length ? words.filter((w) => !/^<<-?\w+$/.test(w)) : words;
    const rawDest = heredocDests[heredocDests.length - 1]!;
    const dest = posix.isAbsolute(rawDest) ? rawDest : posix.join(state.config.WorkingDir || '/', rawDest) + (rawDest.endsWith('/') ? '/' : '');
    const sourcesWords = words.slice(0, -1).filter((w) => !/^<<-?\w+$/.test(w));
    if (ins.flags.chown) await this.realize(state); // the names are looked up in the image
    const own: CopyOwnership = await resolveOwnership(this.engine, state.imageId, ins.flags.chown?.[0] !== undefined ? word(ins.flags.chown[0]) : undefined);
    if (ins.flags.chmod?.[0]) {
      const m = word(ins.flags.chmod[0]);
      if (!/^[0-7]{3,4}$/.test(m)) throw invalidArgument(`invalid chmod parameter: ${m}`);
      own.mode = parseInt(m, 8);
    }
    let files: SourceFile[];
    let contextDir = this.opts.contextDir;
    let ignore = this.opts.ignore;
    const from = ins.flags.from?.[0] !== undefined ? word(ins.flags.from[0]) : undefined;
    const fromImage = from !== undefined ? await this.sourceImage(from, state.stage, all, results) : undefined;
    // From a stage or image, the source image's ID stands for its files' contents: a cached step
    // needs no extraction. (--cache-from compares docker's content checksums, so it takes the long way.)
    const byImage = fromImage !== undefined && !state.cands.length;
    if (byImage) {
      this.advance(state, `${keyword} --from=${fromImage} ${JSON.stringify(sourcesWords)} ${dest} ${own.uid}:${own.gid}:${own.mode ?? ''} ${state.pendingDirs.join(' ')}`);
      if (await this.fromCache(state, out)) return;
    }
    if (fromImage !== undefined) {
      contextDir = await this.filesOf(fromImage, sourcesWords);
      ignore = [];
    }
    const select = async (destIsDir: boolean) => {
      let files = keyword === 'ADD' ? await addSources(contextDir, sourcesWords, dest, ignore, destIsDir, this.tempDir.bind(this)) : await selectSources(contextDir, sourcesWords, dest, ignore, destIsDir, keyword);
      // docker: COPY --from without --chown keeps the source image's owners.
      if (fromImage !== undefined && !ins.flags.chown) files = await Promise.all(files.map(async (f) => ({ ...f, owner: await lstat(f.abs).then((st) => ({ uid: st.uid, gid: st.gid })) })));
      for (const h of ins.heredocs) files.push(await heredocFile(h.content, posix.join(dest.endsWith('/') ? dest : posix.dirname(dest), dest.endsWith('/') ? h.name : posix.basename(dest)).replace(/^\//, ''), this.tempDir.bind(this)));
      return files;
    };
    // The key takes the destination as written: the image it lands in is the key's parent, so
    // whether that path is a directory there is already decided by it.
    let destIsDir = dest.endsWith('/') || /(^|\/)\.$/.test(rawDest);
    files = await select(destIsDir);
    const checksum = await sourcesChecksum(files, own);
    if (!byImage) this.advance(state, `${keyword} ${checksum} ${dest} ${state.pendingDirs.join(' ')}`);
    // docker's record: "COPY file:<sha> in /dst " (dir: for one directory, multi: for several sources).
    const kind = files.length === 1 && files[0]!.kind !== 'dir' ? 'file' : sourcesWords.length + ins.heredocs.length > 1 ? 'multi' : 'dir';
    const createdBy = this.nop(state, `${keyword} ${kind}:${checksum.replace(/^sha256:/, '')} in ${rawDest} `);
    if (!byImage && (await this.fromCache(state, out))) return;
    if (await this.fromCandidates(state, createdBy, out)) return;
    // docker copies a single file into a destination that is a directory in the image.
    if (!destIsDir && files.length === 1 && files[0]!.kind !== 'dir' && (await this.isDirectory(state, posix.normalize(dest)))) {
      destIsDir = true;
      files = await select(true);
    }
    const base = await this.baseForContainer(state);
    const { Id: cid } = await this.engine.containers.create({ Image: base, Cmd: ['/bin/sh'], Entrypoint: [''], Labels: {} });
    try {
      await this.putPendingDirs(state, cid);
      const newDirs = own.uid || own.gid ? await this.missingDirs(cid, destIsDir ? dest : posix.dirname(dest)) : undefined;
      await this.engine.containers.archivePut(cid, '/', sourcesTar(files, own, newDirs), { copyUIDGID: true });
      state.imageId = await this.commitStep(state, cid, { created_by: createdBy });
    } finally {
      await this.engine.containers.remove(cid, { force: true, v: true }).catch(() => undefined);
    }
    this.executed++;
    state.dirty = false;
    state.pendingDirs = [];
    this.cache.put(state.key, state.imageId, `${keyword} ${sourcesWords.join(' ')} ${rawDest}`);
    out(` ---> ${shortId(state.imageId)}\n`);
  }

  /** The directories of path and its parents (relative to "/") that the container does not have. */
  private async missingDirs(cid: string, path: string): Promise<Set<string>> {
    const segs = path.split('/').filter(Boolean);
    const missing = new Set<string>();
    for (let i = segs.length; i >= 1; i--) {
      const d = segs.slice(0, i).join('/');
      const exists = await this.engine.containers.archiveStat(cid, `/${d}`).then(() => true, (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      });
      if (exists) break;
      missing.add(d);
    }
    return missing;
  }

  /** Whether the path is a directory in the stage's image: docker copies a file into an existing directory. */
  private async isDirectory(state: StageState, path: string): Promise<boolean> {
    if (path === '/' || path === state.config.WorkingDir || state.pendingDirs.includes(path)) return true;
    await this.realize(state);
    if (!state.imageId) return false;
    const { Id: cid } = await this.engine.containers.create({ Image: state.imageId, Cmd: ['/bin/sh'], Entrypoint: [''], Labels: {} });
    try {
      const st = await this.engine.containers.archiveStat(cid, path).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      return st !== undefined && (st.mode & 0x80000000) !== 0;
    } finally {
      await this.engine.containers.remove(cid, { force: true }).catch(() => undefined);
    }
  }

  /** The image a COPY --from names: a stage's (made when needed) or an image's. */
  private async sourceImage(from: string, stage: Stage, all: readonly Stage[], results: Map<number, Promise<StageState>>): Promise<string> {
    const ref = stageRef(all, from, stage.index);
    return ref !== undefined ? await this.materialize(await results.get(ref)!, () => undefined) : await this.baseImage(from, this.opts.platform, () => undefined);
  }

  /** A directory holding the files a COPY --from names, taken out of a stage's or an image's filesystem. */
  private async filesOf(imageId: string, sources: string[]): Promise<string> {
    const dir = await this.tempDir();
    const { Id: cid } = await this.engine.containers.create({ Image: imageId, Cmd: ['/bin/sh'], Entrypoint: [''], Labels: {} });
    try {
      for (const s of sources) {
        // A wildcard's parent, so matching happens on our side; else only the source itself.
        const parent = /[*?[]/.test(s) ? posix.dirname(s.split(/[*?[]/)[0]! + 'x') : posix.normalize(`/${s}`).replace(/(.)\/+$/, '$1');
        const { tar } = await this.engine.containers.archiveGet(cid, parent === '' ? '/' : parent).catch((err: unknown) => {
          throw isNotFound(err) ? invalidArgument(`failed to compute cache key: "${s}": not found`) : err;
        });
        const into = join(dir, posix.dirname(parent === '/' ? '/x' : parent));
        await import('node:fs/promises').then((fs) => fs.mkdir(into, { recursive: true }));
        await extractTar(tar, into);
      }
    } finally {
      await this.engine.containers.remove(cid, { force: true }).catch(() => undefined);
    }
    return dir;
  }

  private async tempDir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'gantry-build-'));
    this.tempDirs.push(d);
    return d;
  }

  /** The image a step's container starts from: the last one made, or an empty image for scratch. */
  private async baseForContainer(state: StageState): Promise<string> {
    if (state.imageId) return state.imageId;
    if (!this.scratchId) {
      const empty = pack();
      empty.finalize();
      this.scratchId = await this.engine.images.import(Readable.from(empty), {});
    }
    return this.scratchId;
  }

  private async putPendingDirs(state: StageState, cid: string): Promise<void> {
    if (!state.pendingDirs.length) return;
    const p = pack();
    const seen = new Set<string>();
    for (const d of state.pendingDirs) {
      const segs = d.split('/').filter(Boolean);
      for (let i = 1; i <= segs.length; i++) {
        const path = segs.slice(0, i).join('/');
        if (seen.has(path)) continue;
        seen.add(path);
        p.entry({ name: `${path}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0 });
      }
    }
    p.finalize();
    // Existing directories are kept as they are (extraction only replaces non-directories).
    await this.engine.containers.archivePut(cid, '/', Readable.from(p), { noOverwriteDirNonDir: true, copyUIDGID: true });
  }

  /** The image of a stage's current state, committing config-only changes when there are any. */
  private async materialize(state: StageState, out: (t: string) => void, labels?: Record<string, string>): Promise<string> {
    if (labels && Object.keys(labels).length) {
      state.config.Labels = { ...(state.config.Labels ?? {}), ...labels };
      state.dirty = true;
      this.advance(state, `LABEL ${JSON.stringify(labels)}`);
      const createdBy = this.nop(state, `LABEL ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      if (!(await this.track(state, createdBy))) state.history.push({ created_by: createdBy, empty_layer: true });
    }
    await this.realize(state);
    if (!state.dirty && state.imageId && !state.pendingDirs.length) return state.imageId;
    if (await this.fromCache(state, () => undefined)) return state.imageId!;
    const base = await this.baseForContainer(state);
    const { Id: cid } = await this.engine.containers.create({ Image: base, Cmd: ['/bin/sh'], Entrypoint: [''], Labels: {} });
    try {
      await this.putPendingDirs(state, cid);
      state.imageId = await this.commitStep(state, cid);
    } finally {
      await this.engine.containers.remove(cid, { force: true }).catch(() => undefined);
    }
    state.dirty = false;
    state.pendingDirs = [];
    this.cache.put(state.key, state.imageId, 'config');
    out(` ---> ${shortId(state.imageId)}\n`);
    return state.imageId;
  }
}

function healthcheck(ins: Instruction): NonNullable<ContainerConfig['Healthcheck']> {
  if (ins.args[0] === 'NONE' && !ins.json) return { Test: ['NONE'] };
  const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: ins.json ? ['CMD', ...ins.args] : ['CMD-SHELL', ins.args[0]!] };
  const dur = (flag: 'interval' | 'timeout' | 'start-period' | 'start-interval') => {
    const v = ins.flags[flag]?.[0];
    if (v === undefined) return undefined;
    const ns = parseGoDuration(v);
    if (ns === undefined) throw invalidArgument(`dockerfile parse error on line ${ins.line}: time: invalid duration "${v}"`);
    return ns;
  };
  const interval = dur('interval');
  const timeout = dur('timeout');
  const start = dur('start-period');
  const startInterval = dur('start-interval');
  if (interval !== undefined) hc.Interval = interval;
  if (timeout !== undefined) hc.Timeout = timeout;
  if (start !== undefined) hc.StartPeriod = start;
  if (startInterval !== undefined) hc.StartInterval = startInterval;
  const retries = ins.flags.retries?.[0];
  if (retries !== undefined) hc.Retries = Number(retries);
  return hc;
}

async function heredocFile(content: string, dest: string, tempDir: () => Promise<string>): Promise<SourceFile> {
  const dir = await tempDir();
  const abs = join(dir, 'heredoc');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(abs, content, { mode: 0o644 });
  return { abs, dest, kind: 'file', mode: 0o644, size: Buffer.byteLength(content), mtime: new Date() };
}

/** "name:tag" (default latest), with registry ports kept: "localhost:5000/a" → ["localhost:5000/a", "latest"]. */
export function splitTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/**
 * Writes stages' output in stage order although they run side by side: a
 * stage's text streams while every earlier stage is done, else it waits.
 */
class OrderedOutput {
  private readonly buffers = new Map<number, string[]>();
  private readonly done = new Set<number>();
  private readonly order: number[] = [];

  constructor(private readonly sink: (t: string) => void) {}

  channel(index: number): (t: string) => void {
    this.order.push(index);
    this.buffers.set(index, []);
    return (t) => {
      if (this.current() === index) this.sink(t);
      else this.buffers.get(index)!.push(t);
    };
  }

  private current(): number | undefined {
    return this.order.find((i) => !this.done.has(i));
  }

  /** A stage is done: buffered text goes out in stage order, up to the stage now streaming. */
  finish(index: number): void {
    this.done.add(index);
    for (const i of this.order) {
      for (const t of this.buffers.get(i)!) this.sink(t);
      this.buffers.set(i, []);
      if (!this.done.has(i)) break;
    }
  }

  flushAll(): void {
    for (const i of this.order) {
      for (const t of this.buffers.get(i) ?? []) this.sink(t);
      this.buffers.set(i, []);
      this.done.add(i);
    }
  }
}

/** Nanoseconds as Go prints a time.Duration ("1m30s", "0s", "500ms"), for HEALTHCHECK's history entry. */
function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns % 1e9 !== 0) return `${ns / 1e6}ms`;
  const secs = ns / 1e9;
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const sec = secs % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}
