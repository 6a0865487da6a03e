// `gantry run`: docker's flags turned into a create request, then the docker
// CLI's flow over the Engine interface: create (pulling a missing image),
// attach, wait (for the next exit, or the removal with --rm), start, stream;
// the exit code from the session or the wait.
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import type { CommandSpec, FlagSpec, ParsedFlags } from '../flags.js';
import { UsageError } from '../flags.js';
import { parseBytes } from '../units.js';
import { errorStack, errorText } from '../error-text.js';
import { GantryError, invalidArgument } from '../../errdefs/index.js';
import type { ContainerCreateBody, ContainerCreateOptions, Engine, IOSession, JSONMessage } from '../../engine/api.js';
import type { HostConfig, RestartPolicy } from '../../engine/docker-types.js';
import { openEngine } from '../engine-client.js';
import { createProgressRenderer } from '../../images/progress.js';
import { parseDeviceFlag, parseMountFlag, splitVolumeFlags } from '../mount-options.js';
import { parsePublish } from '../../network/publish.js';

/** A create as the CLI sends it: POST /containers/create's body and its query options. */
export interface CreateRequest {
  body: ContainerCreateBody;
  opts: ContainerCreateOptions;
}

const s = (name: string, short?: string, description = ''): FlagSpec => ({ name, type: 'string', ...(short ? { short } : {}), description });
const b = (name: string, short?: string, description = ''): FlagSpec => ({ name, type: 'bool', ...(short ? { short } : {}), description });
const l = (name: string, short?: string, description = ''): FlagSpec => ({ name, type: 'list', ...(short ? { short } : {}), description });

export const CREATE_FLAGS: FlagSpec[] = [
  l('add-host', undefined, 'Add a custom host-to-IP mapping (host:ip)'),
  l('attach', 'a', 'Attach to STDIN, STDOUT or STDERR'),
  l('cap-add', undefined, 'Add Linux capabilities'),
  l('cap-drop', undefined, 'Drop Linux capabilities'),
  { name: 'blkio-weight', type: 'int', description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)' },
  s('cgroup-parent', undefined, 'Optional parent cgroup for the container'),
  s('cidfile', undefined, 'Write the container ID to the file'),
  { name: 'cpu-period', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
  s('cpus', undefined, 'Number of CPUs'),
  s('cpuset-cpus', undefined, 'CPUs in which to allow execution (0-3, 0,1)'),
  s('cpuset-mems', undefined, 'MEMs in which to allow execution (0-3, 0,1)'),
  l('device', undefined, 'Add a host device to the container'),
  l('dns', undefined, 'Set custom DNS servers'),
  l('dns-option', undefined, 'Set DNS options'),
  l('dns-search', undefined, 'Set custom DNS search domains'),
  s('domainname', undefined, 'Container NIS domain name'),
  s('entrypoint', undefined, 'Overwrite the default ENTRYPOINT of the image'),
  l('env', 'e', 'Set environment variables'),
  l('env-file', undefined, 'Read in a file of environment variables'),
  l('expose', undefined, 'Expose a port or a range of ports'),
  l('group-add', undefined, 'Add additional groups to join'),
  s('health-cmd', undefined, 'Command to run to check health'),
  s('health-interval', undefined, 'Time between running the check (ms|s|m|h) (default 0s)'),
  { name: 'health-retries', type: 'int', description: 'Consecutive failures needed to report unhealthy' },
  s('health-start-period', undefined, 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  s('health-timeout', undefined, 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  s('hostname', 'h', 'Container host name'),
  b('init', undefined, 'Run an init inside the container that forwards signals and reaps processes'),
  b('interactive', 'i', 'Keep STDIN open even if not attached'),
  s('ip', undefined, 'IPv4 address (e.g., 172.30.100.104)'),
  l('label', 'l', 'Set meta data on a container'),
  l('label-file', undefined, 'Read in a line delimited file of labels'),
  s('log-driver', undefined, 'Logging driver for the container'),
  l('log-opt', undefined, 'Log driver options'),
  s('memory', 'm', 'Memory limit'),
  s('memory-reservation', undefined, 'Memory soft limit'),
  s('memory-swap', undefined, 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap'),
  l('mount', undefined, 'Attach a filesystem mount to the container'),
  s('name', undefined, 'Assign a name to the container'),
  s('network', undefined, 'Connect a container to a network'),
  { name: 'net', type: 'string', hidden: true },
  l('network-alias', undefined, 'Add network-scoped alias for the container'),
  b('no-healthcheck', undefined, 'Disable any container-specified HEALTHCHECK'),
  b('oom-kill-disable', undefined, 'Disable OOM Killer'),
  { name: 'oom-score-adj', type: 'int', description: "Tune host's OOM preferences (-1000 to 1000)" },
  { name: 'pids-limit', type: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  s('platform', undefined, 'Set platform if server is multi-platform capable'),
  b('privileged', undefined, 'Give extended privileges to this container'),
  l('publish', 'p', "Publish a container's port(s) to the host"),
  b('publish-all', 'P', 'Publish all exposed ports to random ports'),
  { name: 'pull', type: 'string', default: 'missing', description: 'Pull image before running ("always", "missing", "never")' },
  b('quiet', 'q', 'Suppress the pull output'),
  b('read-only', undefined, "Mount the container's root filesystem as read only"),
  { name: 'restart', type: 'string', default: 'no', description: 'Restart policy to apply when a container exits' },
  b('rm', undefined, 'Automatically remove the container and its associated anonymous volumes when it exits'),
  s('runtime', undefined, 'Runtime to use for this container'),
  l('security-opt', undefined, 'Security Options'),
  s('shm-size', undefined, 'Size of /dev/shm'),
  s('stop-signal', undefined, 'Signal to stop the container'),
  { name: 'stop-timeout', type: 'int', description: 'Timeout (in seconds) to stop a container' },
  l('sysctl', undefined, 'Sysctl options'),
  l('tmpfs', undefined, 'Mount a tmpfs directory'),
  b('tty', 't', 'Allocate a pseudo-TTY'),
  l('ulimit', undefined, 'Ulimit options'),
  s('user', 'u', 'Username or UID (format: <name|uid>[:<group|gid>])'),
  l('volume', 'v', 'Bind mount a volume'),
  s('workdir', 'w', 'Working directory inside the container'),
];

export const runSpec: CommandSpec = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  minArgs: 1,
  stopAtFirstArg: true,
  flags: [
    ...CREATE_FLAGS,
    b('detach', 'd', 'Run container in background and print container ID'),
    s('detach-keys', undefined, 'Override the key sequence for detaching a container'),
    { name: 'sig-proxy', type: 'bool', default: true, description: 'Proxy received signals to the process' },
  ],
};

/** Go's time.ParseDuration subset docker accepts ("1m30s", "500ms"), in ns. */
export function parseDuration(flag: string, v: string): number {
  if (v === '0') return 0;
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== v.length || v === '') throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: time: invalid duration "${v}"`);
  return Math.round(total);
}

function keyValues(list: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0 && what !== 'label') throw invalidArgument(`invalid ${what} format: ${kv}`);
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function readLinesFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw invalidArgument(`open ${path}: no such file or directory`);
  }
  return text.split('\n').map((x) => x.trim()).filter((x) => x && !x.startsWith('#'));
}

function envEntries(list: string[]): string[] {
  // "-e NAME" takes NAME from the caller's environment (dropped when unset), like docker.
  return list.flatMap((e) => (e.includes('=') ? [e] : process.env[e] !== undefined ? [`${e}=${process.env[e]}`] : []));
}

export function bytesFlag(name: string, v: string): number {
  if (v === '-1') return -1;
  try {
    return parseBytes(v);
  } catch {
    throw invalidArgument(`invalid argument "${v}" for "--${name}" flag: invalid size: '${v}'`);
  }
}

export function restartPolicy(v: string): RestartPolicy {
  const [name, count] = v.split(':');
  if (name === 'no' || name === '') return { Name: 'no', MaximumRetryCount: 0 };
  if (name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) throw invalidArgument(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
    return { Name: name, MaximumRetryCount: 0 };
  }
  if (name === 'on-failure') {
    if (count !== undefined && !/^\d+$/.test(count)) throw invalidArgument(`invalid restart policy format: maximum retry count must be an integer`);
    return { Name: 'on-failure', MaximumRetryCount: count ? Number(count) : 0 };
  }
  throw invalidArgument(`invalid restart policy format: unknown policy '${name}'`);
}

/** As the docker CLI: seccomp=<file> sends the file's (compacted) JSON, not its path. */
function securityOpts(opts: string[]): string[] {
  return opts.map((opt) => {
    const m = /^seccomp[=:](.*)$/s.exec(opt);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return opt;
    const file = m[1]!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw invalidArgument(`opening seccomp profile (${file}) failed: ${(err as Error).message}`);
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch (err) {
      throw invalidArgument(`compacting json for seccomp profile (${file}) failed: ${(err as Error).message}`);
    }
  });
}

function ulimit(v: string) {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw invalidArgument(`invalid argument "${v}" for "--ulimit" flag: invalid ulimit argument: ${v}`);
  const soft = Number(m[2]);
  const hard = m[3] !== undefined ? Number(m[3]) : soft;
  if (soft > hard) throw invalidArgument(`invalid argument "${v}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: m[1]!, Soft: soft, Hard: hard };
}

export function buildCreateRequest(p: ParsedFlags, warn: (line: string) => void = () => undefined): CreateRequest {
  const f = p.flags;
  const list = (k: string) => (f[k] as string[] | undefined) ?? [];
  const str = (k: string) => f[k] as string | undefined;
  const [image, ...cmd] = p.args;
  if (!image) throw new UsageError('"run" requires at least 1 argument.');
  const env = [...list('env-file').flatMap(readLinesFile), ...envEntries(list('env'))];
  const labels = { ...keyValues(list('label-file').flatMap(readLinesFile), 'label'), ...keyValues(list('label'), 'label') };
  const tty = Boolean(f.tty);
  const interactive = Boolean(f.interactive);
  const config: ContainerCreateBody = {
    Image: image,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && !f.detach,
    AttachStdin: interactive && !f.detach,
    AttachStdout: !f.detach,
    AttachStderr: !f.detach,
    Env: env,
    Cmd: cmd.length ? cmd : null,
    Labels: labels,
    Hostname: str('hostname') ?? '',
    Domainname: str('domainname') ?? '',
    User: str('user') ?? '',
    WorkingDir: str('workdir') ?? '',
  };
  const entrypoint = str('entrypoint');
  if (entrypoint !== undefined) config.Entrypoint = entrypoint === '' ? [''] : [entrypoint];
  if (str('stop-signal')) config.StopSignal = str('stop-signal')!;
  if (p.set.has('stop-timeout')) config.StopTimeout = f['stop-timeout'] as number;
  if (f['no-healthcheck']) config.Healthcheck = { Test: ['NONE'] };
  else if (p.set.has('health-cmd') || p.set.has('health-interval') || p.set.has('health-retries') || p.set.has('health-timeout') || p.set.has('health-start-period')) {
    config.Healthcheck = {
      ...(str('health-cmd') ? { Test: ['CMD-SHELL', str('health-cmd')!] } : {}),
      ...(str('health-interval') ? { Interval: parseDuration('health-interval', str('health-interval')!) } : {}),
      ...(str('health-timeout') ? { Timeout: parseDuration('health-timeout', str('health-timeout')!) } : {}),
      ...(str('health-start-period') ? { StartPeriod: parseDuration('health-start-period', str('health-start-period')!) } : {}),
      ...(p.set.has('health-retries') ? { Retries: f['health-retries'] as number } : {}),
    };
  }
  const mounts = list('mount').map((m) => parseMountFlag(m, warn));
  const { binds, volumes } = splitVolumeFlags(list('volume'));
  if (Object.keys(volumes).length) config.Volumes = volumes;
  const exposed: Record<string, object> = {};
  for (const e of list('expose')) exposed[e.includes('/') ? e : `${e}/tcp`] = {};

  const network = str('network') ?? str('net') ?? 'bridge';
  // -p adds to ExposedPorts too, as docker does.
  const portBindings: HostConfig['PortBindings'] = {};
  for (const p of list('publish').flatMap(parsePublish)) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (portBindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  const aliases = list('network-alias');
  const ip = str('ip');
  const endpoint = { ...(aliases.length ? { Aliases: aliases } : {}), ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) };
  const logOpts = keyValues(list('log-opt'), 'log-opt');
  const tmpfs: Record<string, string> = {};
  for (const t of list('tmpfs')) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  const memory = str('memory') ? bytesFlag('memory', str('memory')!) : 0;
  const cpus = str('cpus');
  if (cpus !== undefined && !/^\d+(\.\d+)?$/.test(cpus)) throw invalidArgument(`invalid argument "${cpus}" for "--cpus" flag: failed to parse ${cpus} as a rational number`);
  const hostConfig: Partial<HostConfig> = {
    Binds: binds.length ? binds : null,
    Mounts: mounts,
    NetworkMode: network,
    PortBindings: portBindings,
    RestartPolicy: restartPolicy(str('restart') ?? 'no'),
    AutoRemove: Boolean(f.rm),
    ...(str('runtime') ? { Runtime: str('runtime') } : {}),
    CapAdd: list('cap-add').length ? list('cap-add') : null,
    CapDrop: list('cap-drop').length ? list('cap-drop') : null,
    Dns: list('dns'),
    DnsOptions: list('dns-option'),
    DnsSearch: list('dns-search'),
    ExtraHosts: list('add-host').length ? list('add-host') : null,
    Init: f.init ? true : null,
    Privileged: Boolean(f.privileged),
    PublishAllPorts: Boolean(f['publish-all']),
    ReadonlyRootfs: Boolean(f['read-only']),
    SecurityOpt: list('security-opt').length ? securityOpts(list('security-opt')) : null,
    Tmpfs: tmpfs,
    Sysctls: keyValues(list('sysctl'), 'sysctl'),
    Memory: memory,
    MemorySwap: str('memory-swap') ? bytesFlag('memory-swap', str('memory-swap')!) : 0,
    MemoryReservation: str('memory-reservation') ? bytesFlag('memory-reservation', str('memory-reservation')!) : 0,
    NanoCpus: cpus ? Math.round(Number(cpus) * 1e9) : 0,
    CpuShares: (f['cpu-shares'] as number | undefined) ?? 0,
    CpusetCpus: str('cpuset-cpus') ?? '',
    CpuPeriod: (f['cpu-period'] as number | undefined) ?? 0,
    CpuQuota: (f['cpu-quota'] as number | undefined) ?? 0,
    CpusetMems: str('cpuset-mems') ?? '',
    BlkioWeight: (f['blkio-weight'] as number | undefined) ?? 0,
    PidsLimit: p.set.has('pids-limit') ? (f['pids-limit'] as number) : null,
    Ulimits: list('ulimit').length ? list('ulimit').map(ulimit) : null,
    Devices: list('device').map(parseDeviceFlag),
    OomKillDisable: Boolean(f['oom-kill-disable']),
    LogConfig: { Type: str('log-driver') ?? 'json-file', Config: logOpts },
    ...(str('shm-size') ? { ShmSize: bytesFlag('shm-size', str('shm-size')!) } : {}),
    ContainerIDFile: str('cidfile') ?? '',
    GroupAdd: list('group-add').length ? list('group-add') : null,
    CgroupParent: str('cgroup-parent') ?? '',
    OomScoreAdj: (f['oom-score-adj'] as number | undefined) ?? 0,
  };
  const pull = str('pull') ?? 'missing';
  if (pull !== 'always' && pull !== 'missing' && pull !== 'never') throw invalidArgument(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  return {
    body: {
      ...config,
      HostConfig: hostConfig,
      ...(Object.keys(endpoint).length ? { NetworkingConfig: { EndpointsConfig: { [network === 'default' ? 'bridge' : network]: endpoint } } } : {}),
    },
    opts: {
      ...(str('name') ? { name: str('name')! } : {}),
      pull,
      ...(str('platform') ? { platform: str('platform')! } : {}),
    },
  };
}


/** The create request of run/create's flags, or the exit code (125) of an invalid one, reported as docker reports it. */
export function parseCreateRequest(ctx: CliContext, parsed: ParsedFlags, verb: string): CreateRequest | number {
  try {
    return withConsoleSize(
      buildCreateRequest(parsed, (line) => ctx.stderr.write(`WARN[0000] ${line}\n`)),
      ctx,
    );
  } catch (err) {
    if (!(err instanceof GantryError)) throw err; // a flag's usage error
    reportRunFailure(ctx, verb, err, false);
    return 125;
  }
}

/** docker run's exit code when the container could not be created or started (its CLI's toStatusError). */
export function startFailureExit(err: unknown): number {
  const msg = err instanceof Error ? err.message : String(err);
  if (/executable file not found|no such file or directory|system cannot find the file specified/i.test(msg)) return 127;
  if (/permission denied|is a directory/i.test(msg)) return 126;
  return 125;
}

/**
 * Prints a failed run or create as docker's CLI does: "gantry: Error response
 * from daemon: ..." for the engine's refusals, "gantry: ..." for a failure on
 * the way to it, and a pointer to --help.
 */
export function reportRunFailure(ctx: CliContext, verb: string, err: unknown, fromEngine: boolean): void {
  const text = errorText(err);
  ctx.stderr.write(`${ctx.prog}: ${fromEngine && err instanceof GantryError ? 'Error response from daemon: ' : ''}${text}\n\nRun '${ctx.prog} ${verb} --help' for more information\n`);
  if (ctx.globals.debug) ctx.stderr.write(`${errorStack(err)}\n`);
}

/** A missing image's pull as docker's CLI shows it for run and create, on stderr: "Unable to find image" always, the progress unless -q. */
function pullProgress(ctx: CliContext, quiet: boolean): (m: JSONMessage) => void {
  let render: ((m: JSONMessage) => void) | undefined;
  return (m) => {
    if (m.status?.startsWith('Unable to find image ')) return void ctx.stderr.write(`${m.status}\n`);
    if (quiet) return;
    render ??= createProgressRenderer(ctx.stderr);
    render(m);
  };
}

/** The engine's create of the CLI's request, writing --cidfile. */
export async function createContainer(ctx: CliContext, engine: Engine, req: CreateRequest, quiet: boolean): Promise<string> {
  const { Id, Warnings } = await engine.containers.create(req.body, { ...req.opts, onPullProgress: pullProgress(ctx, quiet) });
  for (const w of Warnings) ctx.stderr.write(`WARNING: ${w}\n`);
  const cidfile = req.body.HostConfig?.ContainerIDFile;
  if (cidfile) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(cidfile, Id);
  }
  return Id;
}

/** Streams a session to the terminal; returns the exit code the session learnt, or 'detached'. */
export async function streamToTerminal(
  ctx: CliContext,
  session: IOSession,
  opts: { stdin: boolean; tty: boolean; resize?: (rows: number, cols: number) => Promise<void> },
): Promise<number | 'detached' | undefined> {
  session.onOutput((stream, data) => (stream === 2 ? ctx.stderr : ctx.stdout).write(data));
  let detached = false;
  const stdin = ctx.stdin as NodeJS.ReadStream;
  const cleanups: (() => void)[] = [];
  if (opts.stdin) {
    const raw = opts.tty && stdin.isTTY;
    if (raw) {
      stdin.setRawMode(true);
      cleanups.push(() => stdin.setRawMode(false));
      const out = ctx.stdout as NodeJS.WriteStream;
      const resize = () => void opts.resize?.(out.rows ?? 24, out.columns ?? 80).catch(() => undefined);
      resize();
      process.on('SIGWINCH', resize);
      cleanups.push(() => process.removeListener('SIGWINCH', resize));
    }
    let sawCtrlP = false;
    const onData = (d: Buffer) => {
      if (opts.tty) {
        // ctrl-p ctrl-q detaches (docker's default detach keys).
        for (const byte of d) {
          if (sawCtrlP && byte === 0x11) {
            detached = true;
            session.close();
            return;
          }
          sawCtrlP = byte === 0x10;
        }
      }
      session.writeStdin(d);
    };
    stdin.on('data', onData);
    stdin.on('end', () => session.closeStdin());
    cleanups.push(() => {
      stdin.removeListener('data', onData);
      stdin.pause();
    });
  }
  const code = await session.ended;
  for (const c of cleanups) c();
  if (detached) return 'detached';
  return code;
}

/** As docker's CLI: a -t container on a terminal starts with that terminal's size (no 0x0 until the first resize). */
export function withConsoleSize(req: CreateRequest, ctx: CliContext): CreateRequest {
  const out = ctx.stdout;
  if (req.body.Tty && out.isTTY && out.rows && out.columns) req.body.HostConfig = { ...req.body.HostConfig, ConsoleSize: [out.rows, out.columns] };
  return req;
}

const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function runContainer(ctx: CliContext, req: CreateRequest, parsed: ParsedFlags): Promise<number> {
  const engine = await openEngine(ctx);
  try {
    return await runOn(ctx, engine, req, parsed);
  } finally {
    await engine.close();
  }
}

async function runOn(ctx: CliContext, engine: Engine, req: CreateRequest, parsed: ParsedFlags): Promise<number> {
  const id = await createContainer(ctx, engine, req, Boolean(parsed.flags.quiet));
  const containers = engine.containers;
  if (parsed.flags.detach) {
    await containers.start(id);
    ctx.stdout.write(`${id}\n`);
    return 0;
  }
  const autoRemove = Boolean(req.body.HostConfig?.AutoRemove);
  const tty = Boolean(req.body.Tty);
  const session = await containers.attach(id, { stdin: Boolean(req.body.OpenStdin), stdout: true, stderr: true });
  const waited = (await containers.wait(id, autoRemove ? 'removed' : 'next-exit')).result;
  try {
    await containers.start(id);
  } catch (err) {
    session.close();
    // The engine removes a --rm container whose start failed; its wait says when.
    if (autoRemove) await waited.catch(() => undefined);
    throw err;
  }
  const proxy = (sig: NodeJS.Signals) => void containers.kill(id, sig).catch(() => undefined);
  const proxying = parsed.flags['sig-proxy'] !== false && !tty;
  if (proxying) for (const sig of PROXIED_SIGNALS) process.on(sig, proxy);
  const result = await streamToTerminal(ctx, session, { stdin: Boolean(req.body.OpenStdin), tty, resize: (h, w) => containers.resize(id, h, w) });
  if (proxying) for (const sig of PROXIED_SIGNALS) process.removeListener(sig, proxy);
  if (result === 'detached') return 0;
  // With --rm, the container is gone when the wait resolves.
  if (result !== undefined && !autoRemove) return result;
  const waitResult = await waited.catch(() => undefined);
  return result ?? waitResult?.StatusCode ?? 125;
}

export const command: Command = {
  spec: runSpec,
  async run(ctx, parsed) {
    const req = parseCreateRequest(ctx, parsed, 'run');
    if (typeof req === 'number') return req;
    try {
      return await runContainer(ctx, req, parsed);
    } catch (err) {
      reportRunFailure(ctx, 'run', err, true);
      return startFailureExit(err);
    }
  },
};
