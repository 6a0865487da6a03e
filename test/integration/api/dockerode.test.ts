// dockerode (docker-modem) against `gantry system service`: the create /
// attach / start / wait sequence docker run makes, demultiplexed streams,
// exec over a hijacked connection with stdin, a pull's progress stream.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { Daemon } from './daemon-harness.js';

let d: Daemon;
let docker: Docker;

/** Collects a demultiplexed stream pair until the source ends. */
function demux(stream: NodeJS.ReadableStream): { stdout: () => string; stderr: () => string; ended: Promise<void> } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c) => (o += c));
  err.on('data', (c) => (e += c));
  docker.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((r) => stream.on('end', () => r()));
  return { stdout: () => o, stderr: () => e, ended };
}

describe('dockerode against gantry system service', { timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    docker = new Docker({ socketPath: d.socket });
  });
  after(async () => {
    await d?.stop();
  });

  test('ping and version', async () => {
    assert.equal(String(await docker.ping()), 'OK');
    const v = await docker.version();
    assert.equal(v.Os, 'linux');
    assert.match(v.ApiVersion, /^1\.\d+$/);
  });

  test('createContainer, attach with demux, start, wait, remove', async () => {
    const c = await docker.createContainer({
      Image: 'busybox',
      name: 'node1',
      Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 6'],
      AttachStdout: true,
      AttachStderr: true,
    });
    assert.match(c.id, /^[0-9a-f]{64}$/);
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const io = demux(stream);
    await c.start();
    // After the start, "not-running" (the default) cannot miss the exit; before it, a created container is not running.
    const w = await c.wait();
    await io.ended;
    assert.equal(w.StatusCode, 6);
    assert.equal(io.stdout(), 'to-out\n');
    assert.equal(io.stderr(), 'to-err\n');
    const info = await c.inspect();
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 6);
    assert.equal(info.Name, '/node1');
    await c.remove();
    await assert.rejects(c.inspect(), (err: { statusCode?: number; message: string }) => err.statusCode === 404 && /No such container/.test(err.message));
  });

  test('attach with stdin: what the client writes reaches the container', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'read line; echo got:$line'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    const io = demux(stream);
    await c.start();
    stream.write('hello-stdin\n');
    const w = await c.wait();
    await io.ended;
    assert.equal(w.StatusCode, 0);
    assert.equal(io.stdout(), 'got:hello-stdin\n');
    await c.remove();
  });

  test('exec with a hijacked stream: stdin, output, exit code', async () => {
    const c = await docker.createContainer({ Image: 'busybox', name: 'node-exec', Cmd: ['sleep', '1000'] });
    await c.start();
    const ex = await c.exec({ Cmd: ['sh', '-c', 'tr a-z A-Z; echo err >&2; exit 2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: true });
    const io = demux(stream);
    stream.end('shout\n');
    await io.ended;
    assert.equal(io.stdout(), 'SHOUT\n');
    assert.equal(io.stderr(), 'err\n');
    let inspect = await ex.inspect();
    for (let i = 0; i < 50 && inspect.Running; i++) inspect = await ex.inspect();
    assert.equal(inspect.ExitCode, 2);
    assert.equal(inspect.Running, false);
    await c.remove({ force: true });
  });

  test('listContainers with all and filters', async () => {
    const a = await docker.createContainer({ Image: 'busybox', name: 'listed-run', Cmd: ['sleep', '1000'], Labels: { suite: 'dockerode' } });
    await a.start();
    const b = await docker.createContainer({ Image: 'busybox', name: 'listed-created', Cmd: ['true'], Labels: { suite: 'dockerode' } });
    const running = await docker.listContainers({ filters: { label: ['suite=dockerode'] } });
    assert.deepEqual(running.map((c) => c.Names), [['/listed-run']]);
    assert.equal(running[0]!.State, 'running');
    assert.equal(running[0]!.Image, 'busybox');
    const all = await docker.listContainers({ all: true, filters: { label: ['suite=dockerode'] } });
    assert.deepEqual(all.map((c) => c.Names[0]).sort(), ['/listed-created', '/listed-run']);
    assert.equal(all.find((c) => c.Names[0] === '/listed-created')!.State, 'created');
    await a.remove({ force: true });
    await b.remove();
  });

  test('pull streams progress messages and ends with the status', async () => {
    const reg = await d.registry();
    const stream = await docker.pull(`${reg.host}/busybox:latest`);
    const messages = await new Promise<{ status?: string; error?: string }[]>((res, rej) => docker.modem.followProgress(stream, (err: Error | null, out: { status?: string }[]) => (err ? rej(err) : res(out))));
    assert.ok(messages.length > 0);
    assert.ok(!messages.some((m) => m.error), JSON.stringify(messages));
    assert.match(messages.at(-1)!.status ?? '', /Downloaded newer image|Image is up to date/);
    const img = await docker.getImage(`${reg.host}/busybox:latest`).inspect();
    assert.ok(img.RepoTags.includes(`${reg.host}/busybox:latest`));
    await docker.getImage(`${reg.host}/busybox:latest`).remove();
    await assert.rejects(docker.pull(`${reg.host}/no-such:latest`).then((s) => new Promise((res, rej) => docker.modem.followProgress(s, (err: Error | null, out: unknown) => (err ? rej(err) : res(out))))));
  });

  test('logs of a finished container, with and without timestamps', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo l1; echo l2 >&2'] });
    await c.start();
    await c.wait();
    const buf = await c.logs({ stdout: true, stderr: true, follow: false });
    const io = { out: new PassThrough(), err: new PassThrough() };
    let o = '';
    let e = '';
    io.out.on('data', (x) => (o += x));
    io.err.on('data', (x) => (e += x));
    // Without follow dockerode returns the multiplexed body as one Buffer.
    const s = new PassThrough();
    docker.modem.demuxStream(s, io.out, io.err);
    s.end(buf);
    await new Promise((r) => s.on('end', r));
    assert.equal(o, 'l1\n');
    assert.equal(e, 'l2\n');
    const stamped = (await c.logs({ stdout: true, timestamps: true, follow: false })).toString();
    assert.match(stamped, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z l1/);
    await c.remove();
  });
});
