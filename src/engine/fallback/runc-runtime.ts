// TEMPORARY adapter used until src/runtime/index.ts lands: the Runtime
// contract on top of the runc binary, including the monitor wrapper path
// (fd 3 is a pipe whose EOF says the helper has finished creating).
import { spawn, execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GantryError, failedPrecondition, internal, notFound } from '../../errdefs/index.js';
import type { ContainerState, CreateOptions, ExecOptions, ExecResult, Runtime } from '../../runtime/api.js';

function runc(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('runc', ['--root', root, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const msg = String(stderr).trim().split('\n').pop() ?? err.message;
      if (/does not exist|not exist/.test(msg)) reject(notFound(msg, err));
      else if (/not running|stopped|that is not stopped/.test(msg)) reject(failedPrecondition(msg, err));
      else reject(internal(`runc ${args[0]}: ${msg}`, err));
    });
  });
}

export function openRuncRuntime(root: string): Runtime {
  const self: Runtime = {
    async create(opts: CreateOptions) {
      if (opts.spec) await writeFile(join(opts.bundle, 'config.json'), JSON.stringify(opts.spec));
      const logFile = join(opts.bundle, 'runc.log');
      const args = ['--root', root, '--log', logFile, '--log-format', 'json', 'create', '--bundle', opts.bundle];
      if (opts.pidFile) args.push('--pid-file', opts.pidFile);
      if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
      args.push(opts.id);
      const argv = [...(opts.wrapper ?? []), 'runc', ...args];
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
      child.unref();
      await new Promise<void>((resolve) => {
        const sync = child.stdio[3] as NodeJS.ReadableStream;
        sync.on('data', () => undefined);
        sync.on('end', resolve);
        sync.on('error', () => resolve());
      });
      try {
        return await self.state(opts.id);
      } catch {
        const { readFile } = await import('node:fs/promises');
        const log = await readFile(logFile, 'utf8').catch(() => '');
        const last = log.trim().split('\n').filter(Boolean).pop();
        const msg = last ? (JSON.parse(last) as { msg: string }).msg : 'runc create failed';
        throw new GantryError('internal', msg.replace(/^runc create failed: /, ''));
      }
    },
    async start(id) {
      await runc(root, ['start', id]);
    },
    async run() {
      throw internal('run is not supported by the runc adapter');
    },
    async state(id) {
      return JSON.parse(await runc(root, ['state', id])) as ContainerState;
    },
    async list() {
      return (JSON.parse(await runc(root, ['list', '--format', 'json'])) ?? []) as ContainerState[];
    },
    async kill(id, signal, o) {
      await runc(root, ['kill', ...(o?.all ? ['--all'] : []), id, String(signal)]);
    },
    async delete(id, o) {
      await runc(root, ['delete', ...(o?.force ? ['--force'] : []), id]);
    },
    async exec(id, opts: ExecOptions): Promise<ExecResult> {
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(join(tmpdir(), 'gantry-exec-'));
      const specFile = join(dir, 'process.json');
      await writeFile(specFile, JSON.stringify(opts.process));
      const args = ['--root', root, 'exec', '--process', specFile, '--pid-file', join(dir, 'pid')];
      if (opts.detach) args.push('--detach');
      if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
      args.push(id);
      const argv = [...(opts.wrapper ?? []), 'runc', ...args];
      const stdio = opts.stdio ?? [0, 1, 2];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdio[0], stdio[1], stdio[2]] });
      const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? 128 + (s ? 9 : 0))));
      const pid = Number(await import('node:fs/promises').then((f) => f.readFile(join(dir, 'pid'), 'utf8')).catch(() => '0'));
      await rm(dir, { recursive: true, force: true });
      return opts.detach ? { pid } : { pid, exitCode: code };
    },
    async pause(id) {
      await runc(root, ['pause', id]);
    },
    async resume(id) {
      await runc(root, ['resume', id]);
    },
    async pids(id) {
      return JSON.parse(await runc(root, ['ps', '--format', 'json', id])) as number[];
    },
    async update() {
      throw internal('update is not supported by the runc adapter');
    },
    async stats() {
      throw internal('stats is not supported by the runc adapter');
    },
  };
  return self;
}
