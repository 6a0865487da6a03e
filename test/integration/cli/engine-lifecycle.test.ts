// The local Engine interface's container lifecycle as the Docker API server and
// the docker CLI use it: waits and attaches registered before the start, --rm
// done by the engine, 304s, signal names, resize from another process, update,
// list and prune filters; and the CLI verbs on it (update, wait, healthchecks
// through the monitor's hooks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Gantry, removeRootfsCache } from './gantry-harness.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine } from '../../../src/engine/api.js';
import { GantryError } from '../../../src/errdefs/index.js';
import { startRegistry } from '../../fixtures/registry.js';

let g: Gantry;
let engine: Engine;
before(async () => {
  g = await Gantry.create();
  engine = await openLocalEngine({ root: g.root, runroot: g.runroot });
});
after(async () => {
  await engine?.close();
  await g?.cleanup();
  await removeRootfsCache();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isNotFound = (err: unknown) => err instanceof GantryError && err.code === 'not-found';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the docker CLI flow: create, attach and wait(next-exit) before start, output, exit code; start of a running one is a 304', async () => {
  const { Id } = await engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }, { name: 'flow1' });
  const session = await engine.containers.attach(Id, { stdout: true, stderr: true });
  const chunks: string[] = [];
  session.onOutput((stream, data) => chunks.push(`${stream}:${data.toString()}`));
  const waited = (await engine.containers.wait(Id, 'next-exit')).result;
  assert.equal(await engine.containers.start(Id), true);
  assert.equal(await session.ended, 3);
  assert.deepEqual(await waited, { StatusCode: 3 });
  assert.deepEqual(chunks.sort(), ['1:out\n', '2:err\n']);
  assert.equal((await engine.containers.inspect('flow1')).State.ExitCode, 3);
  // not-running on a stopped container answers at once
  assert.deepEqual(await (await engine.containers.wait('flow1')).result, { StatusCode: 3 });

  const { Id: long } = await engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '100'] });
  assert.equal(await engine.containers.start(long), true);
  assert.equal(await engine.containers.start(long), false);
  const stopped = (await engine.containers.wait(long, 'not-running')).result;
  assert.equal(await engine.containers.stop(long, { t: 0 }), true);
  assert.equal((await stopped).StatusCode, 137);
  assert.equal(await engine.containers.stop(long), false);
  await engine.containers.remove(long);
  await engine.containers.remove('flow1');
  await assert.rejects(engine.containers.inspect(long), isNotFound);
});

test('AutoRemove: wait(removed) resolves after the engine removed it, in this process and through the monitor hook', async () => {
  const { Id } = await engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'exit 5'], HostConfig: { AutoRemove: true } });
  const removed = (await engine.containers.wait(Id, 'removed')).result;
  await engine.containers.start(Id);
  assert.equal((await removed).StatusCode, 5);
  await assert.rejects(engine.containers.inspect(Id), isNotFound);

  // Started by another process: that start's monitor hook removes it.
  const { Id: other } = await engine.containers.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true } });
  const gone = (await engine.containers.wait(other, 'removed')).result;
  const r = await g.run(['start', other]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await gone).StatusCode, 0);
  await assert.rejects(engine.containers.inspect(other), isNotFound);

  // A failed start of a --rm container removes it too.
  const { Id: bad } = await engine.containers.create({ Image: 'busybox', Cmd: ['/no/such/binary'], HostConfig: { AutoRemove: true } });
  await assert.rejects(engine.containers.start(bad));
  await assert.rejects(engine.containers.inspect(bad), isNotFound);
});

test('kill takes docker signal names and numbers; bad ones are invalid arguments', async () => {
  const { Id } = await engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.1; done'] });
  const waited = (await engine.containers.wait(Id, 'next-exit')).result;
  await engine.containers.start(Id);
  await sleep(300);
  await assert.rejects(engine.containers.kill(Id, 'NOPE'), (err: unknown) => err instanceof GantryError && err.code === 'invalid-argument');
  await engine.containers.kill(Id, 'SIGUSR1');
  assert.equal((await waited).StatusCode, 42);
  await assert.rejects(engine.containers.kill(Id, '9'), (err: unknown) => err instanceof GantryError && err.code === 'conflict');
  await engine.containers.remove(Id);
});

test('resize reaches a running -t container from another process; update changes the policy and the limits', async () => {
  const r = await g.run(['run', '-d', '-t', '--name', 'tty1', 'busybox', 'sleep', '100']);
  assert.equal(r.code, 0, r.stderr);
  await engine.containers.resize('tty1', 33, 111);
  const size = await until('the new size', async () => {
    const out = (await g.run(['exec', 'tty1', 'stty', '-F', '/proc/1/fd/0', 'size'])).stdout.trim();
    return out === '33 111' ? out : undefined;
  });
  assert.equal(size, '33 111');

  const u = await g.run(['update', '--restart', 'on-failure:2', '--memory', '64m', '--pids-limit', '50', 'tty1']);
  assert.deepEqual([u.code, u.stdout, u.stderr], [0, 'tty1\n', '']);
  const hc = (await engine.containers.inspect('tty1')).HostConfig;
  assert.deepEqual([hc.RestartPolicy, hc.Memory, hc.PidsLimit], [{ Name: 'on-failure', MaximumRetryCount: 2 }, 64 * 1024 * 1024, 50]);
  const limit = (await g.run(['exec', 'tty1', 'cat', '/sys/fs/cgroup/pids.max'])).stdout.trim();
  if (limit) assert.equal(limit, '50'); // cgroup v2 with the pids controller
  const cfs = await g.run(['update', '--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-mems', '0', 'tty1']);
  assert.equal(cfs.code, 0, cfs.stderr);
  const hc2 = (await engine.containers.inspect('tty1')).HostConfig;
  assert.deepEqual([hc2.CpuPeriod, hc2.CpuQuota, hc2.CpusetMems], [50000, 25000, '0']);
  const cpuMax = (await g.run(['exec', 'tty1', 'sh', '-c', 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us'])).stdout.split(/\s+/).filter(Boolean);
  assert.deepEqual(cpuMax, ['25000', '50000']);
  await assert.rejects(engine.containers.update('tty1', { NanoCpus: 1e9 }), { message: 'Conflicting options: Nano CPUs and CPU Period cannot both be set' });
  await assert.rejects(engine.containers.update('tty1', { BlkioWeight: 5 }), { message: 'Range of blkio weight is from 10 to 1000' });
  const none = await g.run(['update', 'tty1']);
  assert.notEqual(none.code, 0);
  await engine.containers.remove('tty1', { force: true });
});

test('list: all, limit, size and filters; prune by label', async () => {
  const a = await engine.containers.create({ Image: 'busybox', Cmd: ['true'], Labels: { keep: 'no' } }, { name: 'list-a' });
  const b = await engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '100'], Labels: { keep: 'yes' } }, { name: 'list-b' });
  await engine.containers.start(b.Id);
  assert.deepEqual((await engine.containers.list()).map((c) => c.Names[0]), ['/list-b']);
  assert.deepEqual((await engine.containers.list({ all: true })).map((c) => c.Names[0]), ['/list-b', '/list-a']);
  assert.deepEqual((await engine.containers.list({ limit: 1 })).map((c) => c.Names[0]), ['/list-b']);
  assert.deepEqual((await engine.containers.list({ filters: { status: ['created'] } })).map((c) => c.Id), [a.Id]);
  assert.deepEqual((await engine.containers.list({ all: true, filters: { label: ['keep=yes'] } })).map((c) => c.Id), [b.Id]);
  const [sized] = await engine.containers.list({ size: true, filters: { name: ['list-b'] } });
  assert.ok(sized && typeof sized.SizeRw === 'number' && sized.SizeRootFs! >= sized.SizeRw);
  await assert.rejects(engine.containers.list({ filters: { bogus: ['x'] } }), { message: "invalid filter 'bogus'" });

  const report = await engine.containers.prune({ label: ['keep=no'] });
  assert.deepEqual(report.ContainersDeleted, [a.Id]);
  await engine.containers.remove(b.Id, { force: true });
});

test('wait prints exit codes; a healthcheck runs through the monitor hooks; rename', async () => {
  const r = await g.run(['run', '-d', '--name', 'hc1', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '100']);
  assert.equal(r.code, 0, r.stderr);
  await until('healthy', async () => ((await engine.containers.inspect('hc1')).State.Health?.Status === 'healthy' ? true : undefined));
  await engine.containers.rename('hc1', 'hc2');
  assert.equal((await engine.containers.inspect('hc2')).Name, '/hc2');
  const waiting = g.run(['wait', 'hc2']);
  await sleep(200);
  await engine.containers.kill('hc2', 'KILL');
  assert.deepEqual(await waiting, { code: 0, stdout: '137\n', stderr: '' });
  await engine.containers.remove('hc2');
});

test('run pulls a missing image as docker shows it: "Unable to find image", then the progress; -q keeps only the first line', async () => {
  const reg = await startRegistry();
  const fresh = await Gantry.create();
  try {
    const image = `${reg.host}/lifecycle/busybox:1`;
    assert.equal((await g.run(['tag', 'busybox', image])).code, 0);
    const pushed = await g.run(['push', image]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const r = await fresh.run(['run', '--rm', image, 'echo', 'pulled']);
    assert.equal(r.stdout, 'pulled\n', r.stderr);
    assert.match(r.stderr, new RegExp(`^Unable to find image '${image}' locally\n`));
    assert.match(r.stderr, new RegExp(`Status: Downloaded newer image for ${image}\n`));
    assert.equal((await fresh.run(['rmi', image])).code, 0);
    const q = await fresh.run(['run', '--rm', '-q', image, 'true']);
    assert.deepEqual([q.code, q.stderr], [0, `Unable to find image '${image}' locally\n`]);
  } finally {
    await fresh.cleanup();
    await reg.stop();
  }
});

test('a --rm whose foreground run was killed is removed once it exits (by the next repair)', async () => {
  const child = g.spawn(['run', '--rm', '--name', 'orphan-rm', 'busybox', 'sleep', '1']);
  await until('running', async () => ((await engine.containers.inspect('orphan-rm').catch(() => undefined))?.State.Running ? true : undefined));
  child.kill('SIGKILL');
  await until('exited', async () => ((await engine.containers.inspect('orphan-rm').catch(() => undefined))?.State.Status === 'exited' ? true : undefined));
  const ps = await g.run(['ps', '-a', '--format', '{{.Names}}']);
  assert.equal(ps.stdout, '');
  await assert.rejects(engine.containers.inspect('orphan-rm'), isNotFound);
});

test('attach with logs replays what the container wrote before the live output', async () => {
  const { Id } = await engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo early; read line; echo "late $line"'], OpenStdin: true, StdinOnce: true });
  await engine.containers.start(Id);
  await until('the early line', async () => {
    for await (const { data } of await engine.containers.logs(Id, { stdout: true })) if (data.toString().includes('early')) return true;
    return undefined;
  });
  const session = await engine.containers.attach(Id, { stdin: true, stdout: true, stderr: true, logs: true });
  let out = '';
  session.onOutput((_s, d) => (out += d.toString()));
  session.writeStdin(Buffer.from('x\n'));
  assert.equal(await session.ended, 0);
  assert.equal(out, 'early\nlate x\n');
  await engine.containers.remove(Id);
});
