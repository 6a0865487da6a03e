// `--runtime`: containers under an external OCI runtime (runc from Debian)
// through the whole lifecycle, as docker runs them under runc: run --rm, logs,
// exec (also with a tty), stop/kill exit codes, pause, top, stats, inspect,
// a restart policy, rm, a killed monitor; runc's state under <runroot>/runtimes/runc, empty after
// rm; an unknown name fails as docker's does; runtimes added by GANTRY_RUNTIMES.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const RUNC = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => existsSync(p));
const noRunc = RUNC ? false : 'runc is not installed (scripts/install-deps.sh installs it)';

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

const ok = async (args: string[]) => {
  const r = await g.run(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const stateDir = (name = 'runc') => join(g.runroot, 'runtimes', name);
/** What runc itself knows under the engine's state directory for it. */
const runcList = (name = 'runc') => JSON.parse(execFileSync(RUNC!, ['--root', stateDir(name), 'list', '--format', 'json']).toString() || 'null') as { id: string; status: string }[] | null;

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('run --rm under runc: output, exit code, nothing left behind', { skip: noRunc }, async () => {
  const r = await g.run(['run', '--rm', '--runtime', 'runc', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal((await ok(['ps', '-aq'])).trim(), '');
  assert.deepEqual(readdirSync(stateDir()), []);
});

test('a detached container under runc: logs, exec, top, pause, stats, inspect, stop, kill, rm', { skip: noRunc }, async () => {
  const id = (await ok(['run', '-d', '--name', 'rc1', '--runtime', 'runc', 'busybox', 'sh', '-c', 'echo started; trap "exit 143" TERM; while :; do sleep 0.1; done'])).trim();
  assert.deepEqual(runcList()?.map((c) => [c.id, c.status]), [[id, 'running']]);
  assert.equal(await until('the first log line', async () => ((await ok(['logs', 'rc1'])) === 'started\n' ? true : undefined)), true);
  assert.equal((await ok(['inspect', '-f', '{{.HostConfig.Runtime}}', 'rc1'])).trim(), 'runc');

  const ex = await g.run(['exec', 'rc1', 'sh', '-c', 'echo in-exec; echo e >&2; exit 5']);
  assert.equal(ex.code, 5);
  assert.equal(ex.stdout, 'in-exec\n');
  assert.equal(ex.stderr, 'e\n');
  const missing = await g.run(['exec', 'rc1', 'no-such-program']);
  assert.equal(missing.code, 126);
  assert.match(missing.stderr, /OCI runtime exec failed: .*executable file not found in \$PATH/);
  const tty = await g.run(['exec', '-t', 'rc1', 'sh', '-c', 'tty; exit 7']);
  assert.equal(tty.code, 7, tty.stderr);
  assert.match(tty.stdout, /^\/dev\/pts\/\d+/);

  await ok(['exec', '-d', 'rc1', 'sleep', '30']);
  const top = await ok(['top', 'rc1']);
  assert.match(top, /sleep 30/);
  assert.match(top, /while :; do sleep 0\.1; done/);

  await ok(['pause', 'rc1']);
  assert.equal(runcList()?.[0]?.status, 'paused');
  assert.match(await ok(['ps', '--format', '{{.Status}}']), /\(Paused\)/);
  await ok(['unpause', 'rc1']);
  assert.equal(runcList()?.[0]?.status, 'running');

  const stats = JSON.parse(await ok(['stats', '--no-stream', '--format', '{{json .}}', 'rc1'])) as { PIDs: string; MemUsage: string };
  assert.ok(Number(stats.PIDs) >= 2, `pids: ${stats.PIDs}`);
  assert.doesNotMatch(stats.MemUsage, /^0B/);

  await ok(['stop', 'rc1']);
  assert.equal((await ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'rc1'])).trim(), 'exited 143');
  // The exited container's runc state is deleted with its run.
  assert.deepEqual(runcList() ?? [], []);

  await ok(['start', 'rc1']);
  await ok(['kill', 'rc1']);
  await until('the kill to be recorded', async () => ((await ok(['inspect', '-f', '{{.State.Status}}', 'rc1'])).trim() === 'exited' ? true : undefined));
  assert.equal((await ok(['inspect', '-f', '{{.State.ExitCode}}', 'rc1'])).trim(), '137');

  await ok(['start', 'rc1']);
  await ok(['rm', '-f', 'rc1']);
  assert.deepEqual(readdirSync(stateDir()), []);
});

test('stop of a container ignoring SIGTERM under runc: 137, as with gantry', { skip: noRunc }, async () => {
  for (const runtime of ['gantry', 'runc']) {
    await ok(['run', '-d', '--name', `ign-${runtime}`, '--runtime', runtime, 'busybox', 'sleep', '300']);
    await ok(['stop', '-t', '1', `ign-${runtime}`]);
    assert.equal((await ok(['inspect', '-f', '{{.State.ExitCode}}', `ign-${runtime}`])).trim(), '137', runtime);
    await ok(['rm', `ign-${runtime}`]);
  }
});

test('a tty container under runc: the monitor gets the pty', { skip: noRunc }, async () => {
  await ok(['run', '-d', '-t', '--name', 'rctty', '--runtime', 'runc', 'busybox', 'sh', '-c', 'tty; echo done']);
  await ok(['wait', 'rctty']);
  assert.match(await ok(['logs', 'rctty']), /^\/dev\/pts\/0\r?\ndone\r?\n$/);
  await ok(['rm', 'rctty']);
});

test('--restart on-failure:1 restarts once under runc', { skip: noRunc }, async () => {
  await ok(['run', '-d', '--name', 'rcrestart', '--restart', 'on-failure:1', '--runtime', 'runc', 'busybox', 'sh', '-c', 'echo run; exit 3']);
  const state = await until('the restart to be used up', async () => {
    const s = (await ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}', 'rcrestart'])).trim();
    return s === '1 exited 3' ? s : undefined;
  });
  assert.equal(state, '1 exited 3');
  assert.equal(await ok(['logs', 'rcrestart']), 'run\nrun\n');
  await ok(['rm', 'rcrestart']);
  assert.deepEqual(readdirSync(stateDir()), []);
});

test('a killed monitor: the runc container is recorded 137 and what is left of it killed', { skip: noRunc }, async () => {
  const id = (await ok(['run', '-d', '--name', 'rcorphan', '--runtime', 'runc', 'busybox', 'sleep', '300'])).trim();
  const pid = Number((await ok(['inspect', '-f', '{{.State.Pid}}', 'rcorphan'])).trim());
  const monitor = Number(readFileSync(join(g.runroot, 'containers', id.slice(0, 12), 'monitor.pid'), 'utf8'));
  process.kill(monitor, 'SIGKILL');
  await until('the lost monitor to be folded', async () => ((await ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'rcorphan'])).trim() === 'exited 137' ? true : undefined));
  // runc sets no parent-death signal: the fold's runc delete --force kills the init.
  await until('the init to be gone', async () => (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ') ? undefined : true));
  assert.deepEqual(runcList() ?? [], []);
  await ok(['rm', 'rcorphan']);
});

test('a command runc cannot start: docker\'s text and 127', { skip: noRunc }, async () => {
  const r = await g.run(['run', '--name', 'rcmissing', '--runtime', 'runc', 'busybox', 'no-such-program']);
  assert.equal(r.code, 127);
  assert.match(r.stderr, /runc create failed: .*exec: "no-such-program": executable file not found in \$PATH/);
  await ok(['rm', 'rcmissing']);
  assert.deepEqual(readdirSync(stateDir()), []);
});

test('an unknown runtime: docker\'s error, exit 125, no container', async () => {
  const r = await g.run(['run', '--rm', '--runtime', 'no-such-runtime', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /unknown or invalid runtime name: no-such-runtime/);
  const c = await g.run(['create', '--runtime', 'no-such-runtime', 'busybox', 'true']);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /unknown or invalid runtime name: no-such-runtime/);
  assert.equal((await ok(['ps', '-aq'])).trim(), '');
});

test('info lists the runtimes; GANTRY_RUNTIMES adds one by path', { skip: noRunc }, async () => {
  const info = JSON.parse(await ok(['info', '--format', '{{json .}}'])) as { Runtimes: Record<string, { path: string }>; DefaultRuntime: string };
  assert.equal(info.DefaultRuntime, 'gantry');
  assert.equal(info.Runtimes.runc?.path, RUNC);
  assert.ok(info.Runtimes.gantry);
  assert.match(await ok(['info']), /^ Runtimes: gantry runc/m);

  g.env.GANTRY_RUNTIMES = `myrunc=${RUNC}`;
  try {
    const added = JSON.parse(await ok(['info', '--format', '{{json .Runtimes}}'])) as Record<string, { path: string }>;
    assert.equal(added.myrunc?.path, RUNC);
    assert.equal(await ok(['run', '--rm', '--runtime', 'myrunc', 'busybox', 'echo', 'added']), 'added\n');
    assert.ok(existsSync(stateDir('myrunc')));
    assert.deepEqual(readdirSync(stateDir('myrunc')), []);
  } finally {
    delete g.env.GANTRY_RUNTIMES;
  }
});

// crun 1.8 (Debian 12) refuses cgroup v1 hierarchies beside a cgroup2 mount that
// holds a controller, and the engine's specs say ociVersion 1.2.0, which it rejects
// ("unknown version specified"). Mounting hugetlb as v1 to please it would change
// the host's layout under every other engine running on it, so crun is only run
// where it can start a container as the host is.
const crunSkip = (): string | false => {
  const crun = ['/usr/bin/crun', '/usr/sbin/crun'].find((p) => existsSync(p));
  if (!crun) return 'crun is not installed';
  const unified = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (existsSync(unified) && readFileSync(unified, 'utf8').trim()) return 'crun refuses this hybrid cgroup layout (controllers on /sys/fs/cgroup/unified)';
  return false;
};

test('run under crun', { skip: crunSkip() }, async () => {
  const r = await g.run(['run', '--rm', '--runtime', 'crun', 'busybox', 'sh', '-c', 'echo crun; exit 4']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, 'crun\n');
});
