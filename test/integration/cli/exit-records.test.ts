// What the records say after things die at the wrong moment: a killed `run -d`,
// a killed monitor, an init that outlives its monitor; exec after a cgroup
// hierarchy appeared; OOM; and one die event per exit, whoever saw it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

const inspectField = async (ref: string, tpl: string) => (await g.run(['inspect', '-f', tpl, ref])).stdout.trim();

/** Live (not zombie) host processes in the container's cgroup, found from /proc: the truth the record must tell. */
function containerProcesses(id: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cgroup`, 'utf8').includes(`/gantry/${id}\n`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (!/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

const allIds = async () => (await g.run(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);

async function assertRecordsMatchProcesses(): Promise<void> {
  // ps repairs what the killed commands left; inspect then reads the records.
  assert.equal((await g.run(['ps', '-a'])).code, 0);
  for (const id of await allIds()) {
    const [running, pid] = (await inspectField(id, '{{.State.Running}} {{.State.Pid}}')).split(' ');
    const procs = containerProcesses(id);
    assert.equal(running === 'true', procs.length > 0, `${id}: Running ${running}, processes [${procs.join(' ')}]`);
    if (running === 'true') assert.ok(procs.includes(Number(pid)), `${id}: Pid ${pid} not among [${procs.join(' ')}]`);
  }
}

async function removeAll(): Promise<void> {
  const ids = await allIds();
  if (ids.length) assert.equal((await g.run(['rm', '-f', ...ids])).code, 0);
}

test('kill -9 of run -d at random moments: a record says Running exactly when the container has a live process', async () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // The kills are spread over the time a whole run -d takes on this machine now,
  // so they land in every step: before the record, between the runtime's create
  // and start, between the start and its record, after.
  const t0 = Date.now();
  assert.equal((await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).code, 0);
  const whole = Date.now() - t0;
  const rounds = 30;
  for (let round = 0; round < rounds; round++) {
    const cli = g.spawn(['run', '-d', 'busybox', 'sleep', '1000']);
    const closed = new Promise((r) => cli.once('close', r));
    await sleep(whole * (0.2 + round / rounds) + random() * 10);
    cli.kill('SIGKILL');
    await closed;
  }
  await assertRecordsMatchProcesses();
  // A second look changes nothing: what was repaired stays repaired.
  await assertRecordsMatchProcesses();
  await removeAll();
});

test('kill -9 of a monitor: the container dies with it and inspect says Exited (137) naming the monitor', async () => {
  const id = (await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
  const monitor = Number(readFileSync(join(g.runroot, 'containers', id.slice(0, 12), 'monitor.pid'), 'utf8'));
  assert.ok(containerProcesses(id).length > 0);
  process.kill(monitor, 'SIGKILL');
  assert.equal(await inspectField(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
  assert.match(await inspectField(id, '{{.State.Error}}'), new RegExp(`monitor \\(pid ${monitor}\\) died`));
  assert.deepEqual(containerProcesses(id), []);
  const events = await dieEvents(id);
  assert.deepEqual(events, ['137']);
  // It starts again like any exited container.
  assert.equal((await g.run(['start', id])).code, 0);
  assert.equal(await inspectField(id, '{{.State.Status}}'), 'running');
  await removeAll();
});

test('a killed monitor\'s pid taken by another process does not keep the record Running', async () => {
  const id = (await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
  const pidFile = join(g.runroot, 'containers', id.slice(0, 12), 'monitor.pid');
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  // Pid reuse, staged: the file names a live process that is not this container's monitor.
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(pidFile, String(other.pid));
    assert.equal(await inspectField(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    assert.deepEqual(containerProcesses(id), []);
  } finally {
    other.kill('SIGKILL');
    await removeAll();
  }
});

test('an init that outlives its monitor (a setuid exec clears the parent-death signal) is killed when the record is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-suid-'));
  try {
    copyFileSync('/bin/busybox', join(dir, 'busybox'));
    chmodSync(join(dir, 'busybox'), 0o4755);
    const r = await g.run(['run', '-d', '-u', '1000', '-v', `${dir}:/suid`, 'busybox', '/suid/busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const monitor = Number(readFileSync(join(g.runroot, 'containers', id.slice(0, 12), 'monitor.pid'), 'utf8'));
    process.kill(monitor, 'SIGKILL');
    await sleep(200);
    assert.ok(containerProcesses(id).length > 0, 'the setuid init survived its monitor (the case under test)');
    assert.equal(await inspectField(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    assert.deepEqual(containerProcesses(id), []);
    await removeAll();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec joins the cgroups the init is in: a hierarchy mounted after run is no obstacle', async () => {
  const id = (await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
  const mnt = mkdtempSync(join(tmpdir(), 'gantry-cgtest-'));
  try {
    // Mounted in a private mount namespace of the exec alone: gantry commands running
    // elsewhere on the host never see it (they would make their cgroups in it), and it
    // goes with the namespace. The hierarchy itself is global: the init is in its root.
    // No pre-warmed worker: it would run the exec in the host's mount namespace.
    const script = 'mount -t cgroup -o none,name=gantrytest cgroup "$0" && exec "$@"';
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, mnt, GANTRY, '--root', g.root, '--runroot', g.runroot, 'exec', id, 'cat', '/proc/self/cgroup'], {
      env: { ...g.env, GANTRY_PREWARM: '0' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    // In the init's cgroups: the container's in the old hierarchies, the new one's root.
    assert.match(r.stdout, new RegExp(`:memory:/gantry/${id}\\n`));
    assert.match(r.stdout, /:name=gantrytest:\/\n/);
  } finally {
    rmSync(mnt, { recursive: true, force: true });
    await removeAll();
  }
});

test('OOM over -m 8m: State.OOMKilled, exit 137 and an oom event before die', async () => {
  const r = await g.run(['run', '--name', 'oom8', '-m', '8m', 'busybox', 'sh', '-c', 'tail /dev/zero']);
  assert.equal(r.code, 137, r.stderr);
  assert.equal(await inspectField('oom8', '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
  const id = await inspectField('oom8', '{{.Id}}');
  const actions = (await eventsOf(id)).map((e) => e.Action);
  assert.deepEqual(actions.filter((a) => a === 'oom' || a === 'die'), ['oom', 'die']);
  await removeAll();
});

interface Event {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

async function allEvents(): Promise<Event[]> {
  const r = await g.run(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--format', '{{json .}}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
}

const eventsOf = async (id: string) => (await allEvents()).filter((e) => e.Actor.ID === id);

/** The exitCode attribute of each die event of the container. */
async function dieEvents(id: string): Promise<string[]> {
  return (await eventsOf(id)).filter((e) => e.Action === 'die').map((e) => e.Actor.Attributes.exitCode ?? '?');
}

test('every exit emits one die event with its exitCode: seen by the monitor, by rm -f, by run --rm', async () => {
  const exited = (await g.run(['run', '-d', 'busybox', 'sh', '-c', 'exit 3'])).stdout.trim();
  assert.equal((await g.run(['wait', exited])).stdout.trim(), '3');
  // The monitor's cleanup may still be running: inspect, then rm, race it for the fold.
  await g.run(['inspect', exited]);
  const killed = (await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
  assert.equal((await g.run(['rm', '-f', killed])).code, 0);
  // kill, then rm at once: rm races the monitor's cleanup for the exit.
  const killedThenRemoved = (await g.run(['run', '-d', 'busybox', 'sleep', '1000'])).stdout.trim();
  assert.equal((await g.run(['kill', killedThenRemoved])).code, 0);
  await g.run(['wait', killedThenRemoved]);
  assert.equal((await g.run(['rm', killedThenRemoved])).code, 0);
  const rmRun = await g.run(['run', '--rm', '--name', 'rmfg', 'busybox', 'sh', '-c', 'exit 5']);
  assert.equal(rmRun.code, 5);
  const rmDetached = (await g.run(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'exit 6'])).stdout.trim();
  for (let i = 0; i < 100 && (await g.run(['inspect', rmDetached])).code === 0; i++) await sleep(100);
  await sleep(300);
  assert.deepEqual(await dieEvents(exited), ['3']);
  assert.deepEqual(await dieEvents(killed), ['137']);
  assert.deepEqual(await dieEvents(killedThenRemoved), ['137']);
  const rmfgId = (await allEvents()).find((e) => e.Action === 'create' && e.Actor.Attributes.name === 'rmfg')?.Actor.ID;
  assert.ok(rmfgId);
  assert.deepEqual(await dieEvents(rmfgId), ['5']);
  assert.deepEqual(await dieEvents(rmDetached), ['6']);
  await removeAll();
});
