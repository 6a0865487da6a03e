// The local Engine interface's container data and exec, called in-process as
// the Docker API server calls it: exec sessions through pipes, logs, top,
// stats JSON, the archive's path stats, changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { extract, pack } from 'tar-stream';
import { Readable } from 'node:stream';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine, IOSession } from '../../../src/engine/api.js';

let g: Gantry;
let engine: Engine;
before(async () => {
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'cd1', 'busybox', 'sh', '-c', 'echo one; echo two >&2; echo three; mkdir /d; ln -s /etc /d/abs; echo hi > /new; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 100 && (await g.run(['exec', 'cd1', 'test', '-L', '/d/abs'])).code !== 0; i++) await new Promise((res) => setTimeout(res, 50));
  engine = await openLocalEngine({ root: g.root, runroot: g.runroot });
});
after(async () => {
  await engine?.close();
  await g?.cleanup();
  await removeRootfsCache();
});

async function collect(session: IOSession): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  session.onOutput((s, d) => (s === 1 ? (out += d) : (err += d)));
  const code = await session.ended;
  return { out, err, code };
}

test('exec: output through the session, the exit code in ended and inspect; start failures as docker reports them', async () => {
  const { Id } = await engine.exec.create('cd1', { Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], AttachStdout: true, AttachStderr: true });
  const r = await collect((await engine.exec.start(Id, {}))!);
  assert.deepEqual(r, { out: 'out\n', err: 'err\n', code: 7 });
  const info = await engine.exec.inspect(Id);
  assert.equal(info.Running, false);
  assert.equal(info.ExitCode, 7);
  assert.ok(info.Pid > 0);
  assert.deepEqual([info.ProcessConfig.entrypoint, info.ProcessConfig.arguments], ['sh', ['-c', 'echo out; echo err >&2; exit 7']]);
  await assert.rejects(engine.exec.start(Id, {}), /has already run/);

  const nf = await engine.exec.create('cd1', { Cmd: ['no-such-binary'] });
  const failed = await collect((await engine.exec.start(nf.Id, {}))!);
  assert.equal(failed.code, 126);
  assert.match(failed.err, /^OCI runtime exec failed: .*executable file not found in \$PATH/);
  assert.equal((await engine.exec.inspect(nf.Id)).ExitCode, 126);

  const stdin = await engine.exec.create('cd1', { Cmd: ['cat'], AttachStdin: true });
  const session = (await engine.exec.start(stdin.Id, {}))!;
  session.writeStdin(Buffer.from('piped\n'));
  session.closeStdin();
  assert.deepEqual(await collect(session), { out: 'piped\n', err: '', code: 0 });

  await assert.rejects(engine.exec.inspect('nope'), /No such exec instance: nope/);
  await assert.rejects(engine.exec.create('cd1', { Cmd: [] }), /No exec command specified/);
});

test('exec with a tty: output from the pty, resizes reach it; detached exec returns no session', async () => {
  const { Id } = await engine.exec.create('cd1', { Cmd: ['sh', '-c', 'stty size; read x; stty size'], Tty: true, AttachStdin: true, AttachStdout: true, ConsoleSize: [20, 70] });
  const session = (await engine.exec.start(Id, { Tty: true, ConsoleSize: [20, 70] }))!;
  let out = '';
  let resized = false;
  session.onOutput((_s, d) => {
    out += d;
    if (!resized && out.includes('20 70')) {
      resized = true;
      void engine.exec.resize(Id, 40, 120).then(() => session.writeStdin(Buffer.from('go\r')));
    }
  });
  assert.equal(await session.ended, 0);
  assert.match(out, /20 70\r\n[\s\S]*40 120\r\n/);

  const d = await engine.exec.create('cd1', { Cmd: ['sleep', '0.2'] });
  assert.equal(await engine.exec.start(d.Id, { Detach: true }), undefined);
  const info = await engine.exec.inspect(d.Id);
  assert.ok(info.Pid > 0);
});

test("logs: streams, tail, and docker's fixed nanosecond timestamps", async () => {
  const all: string[] = [];
  for await (const c of await engine.containers.logs('cd1', { stdout: true, stderr: true, timestamps: true })) all.push(`${c.stream}:${c.data}`);
  assert.equal(all.length, 3);
  for (const l of all) assert.match(l, /^[12]:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|two|three)\n$/);
  const stdoutOnly: string[] = [];
  for await (const c of await engine.containers.logs('cd1', { stdout: true, stderr: false, tail: 1 })) stdoutOnly.push(c.data.toString());
  assert.deepEqual(stdoutOnly, ['three\n']);
  // following a running container ends with the signal
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 300);
  let n = 0;
  for await (const _ of await engine.containers.logs('cd1', { follow: true, signal: stop.signal })) n++;
  assert.equal(n, 3);
  await assert.rejects(async () => {
    for await (const _ of await engine.containers.logs('nope', {})) break;
  }, /No such container: nope/);
});

test('logs opened, then the container removed before they are read (docker-py run(remove=True)): nothing is lost', async () => {
  const { Id } = await engine.containers.create({ Image: 'busybox', Cmd: ['echo', 'persisted'] });
  const { result } = await engine.containers.wait(Id, 'next-exit');
  await engine.containers.start(Id);
  const logs = await engine.containers.logs(Id, { follow: true, stdout: true });
  await result;
  await engine.containers.remove(Id);
  const got: string[] = [];
  for await (const c of logs) got.push(c.data.toString());
  assert.deepEqual(got, ['persisted\n']);
});

test('top and stats: ps rows of the container, the stats JSON docker clients read', async () => {
  const top = await engine.containers.top('cd1');
  assert.ok(top.Titles.includes('PID') && top.Titles.includes('CMD'), top.Titles.join(' '));
  assert.deepEqual(top.Processes.map((p) => p[p.length - 1]), ['sleep 1000']);
  const custom = await engine.containers.top('cd1', '-o pid,comm');
  assert.deepEqual(custom.Titles, ['PID', 'COMMAND']);

  const frames = [];
  for await (const s of engine.containers.stats('cd1', { stream: false })) frames.push(s);
  assert.equal(frames.length, 1);
  const s = frames[0]!;
  assert.equal(s.name, '/cd1');
  // the detached exec's process may linger as a zombie: sleep as init reaps nothing
  assert.ok((s.pids_stats.current ?? 0) >= 1);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0 && (s.cpu_stats.system_cpu_usage ?? 0) > (s.precpu_stats.system_cpu_usage ?? 0));
  assert.ok(Date.parse(s.read) > Date.parse(s.preread));
  assert.ok((s.memory_stats.usage ?? 0) > 0 && (s.memory_stats.limit ?? 0) > 0);
  const one = [];
  for await (const f of engine.containers.stats('cd1', { stream: false, oneShot: true })) one.push(f);
  assert.equal(one[0]!.preread, '0001-01-01T00:00:00Z');
  const stop = new AbortController();
  let streamed = 0;
  for await (const _ of engine.containers.stats('cd1', { stream: true, signal: stop.signal })) if (++streamed === 2) stop.abort();
  assert.equal(streamed, 2);
});

test('archive: path stats with Go file modes and in-scope link targets, get and put, changes', async () => {
  const dir = await engine.containers.archiveStat('cd1', '/d');
  assert.equal(dir.name, 'd');
  assert.equal(dir.mode, 2 ** 31 + 0o755);
  const link = await engine.containers.archiveStat('cd1', '/d/abs');
  assert.equal(link.mode, 2 ** 27 + 0o777);
  assert.equal(link.linkTarget, '/etc');
  await assert.rejects(engine.containers.archiveStat('cd1', '/nope'), /Could not find the file \/nope in container cd1/);

  const { stat, tar } = await engine.containers.archiveGet('cd1', '/d/abs/hostname');
  assert.equal(stat.name, 'hostname');
  const ex = extract();
  tar.pipe(ex);
  const names: string[] = [];
  for await (const e of ex) {
    names.push(e.header.name);
    e.resume();
  }
  assert.deepEqual(names, ['hostname']);

  const p = pack();
  p.entry({ name: 'put-file', mode: 0o644, uid: 1234, gid: 1234 }, 'put\n');
  p.finalize();
  await engine.containers.archivePut('cd1', '/d/abs', Readable.from(p as unknown as AsyncIterable<Buffer>));
  assert.equal((await g.run(['exec', 'cd1', 'stat', '-c', '%u %n', '/etc/put-file'])).stdout, '0 /etc/put-file\n');
  await assert.rejects(engine.containers.archivePut('cd1', '/new', Readable.from([])), /extraction point is not a directory/);

  const changes = await engine.containers.changes('cd1');
  assert.ok(changes.some((c) => c.Path === '/new' && c.Kind === 1), JSON.stringify(changes));
  assert.ok(changes.some((c) => c.Path === '/etc/put-file' && c.Kind === 1));
});

test('exec in a container that is not running: docker\'s conflict text', async () => {
  const r = await g.run(['create', '--name', 'cd-stopped', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(engine.exec.create('cd-stopped', { Cmd: ['true'] }), (err: Error) => err.message === `container ${r.stdout.trim()} is not running`);
  await assert.rejects(engine.containers.top('cd-stopped'), /is not running/);
});
