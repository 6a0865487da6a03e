// The engine under stress: logs through rotations, ttys, detach keys,
// healthchecks, restart policies, a simulated reboot, crashes of the CLI at
// random points, OOM and docker's exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
/** Every cgroup hierarchy the runtime may have used (v1 controllers, the v2 mount, or a v2-only root). */
const CGROUP_CONTROLLERS = ['.', ...readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

const gantryCmd = (args: string) => `${GANTRY} --root ${g.root} --runroot ${g.runroot} ${args}`;

async function until(what: string, check: () => Promise<boolean>, tries = 200, everyMs = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(everyMs);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const inspectField = async (ref: string, tpl: string) => (await g.run(['inspect', '-f', tpl, ref])).stdout.trim();

test('logs -f follows across rotations and nothing is lost while nobody is attached', async () => {
  const r = await g.run(['run', '-d', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', 'sleep 1; i=0; while [ $i -lt 400 ]; do echo line-$i; usleep 2000; i=$((i+1)); done']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  // Follow from the start: every line must arrive, in order, although the file rotates ~30 times.
  // (A follower more than max-file-1 rotations behind loses the deleted files, as with docker;
  // the pacing keeps a rotation well above the follower's 20 ms poll.)
  const follow = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'logs', '-f', id], { env: g.env });
  let out = '';
  follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((res) => follow.on('close', res));
  assert.equal(code, 0);
  const lines = out.trimEnd().split('\n');
  assert.deepEqual(lines, Array.from({ length: 400 }, (_, i) => `line-${i}`));
  // Rotation kept at most max-file files, each about max-size.
  const dir = join(g.root, 'containers', id);
  const logs = (await readdir(dir)).filter((n) => n.includes('-json.log'));
  assert.ok(logs.length <= 3, logs.join(' '));
  const tail = (await g.run(['logs', '--tail', '1', id])).stdout;
  assert.equal(tail, 'line-399\n');

  // A burst with nobody reading: the monitor drains it all into the log.
  const burst = await g.run(['run', '-d', 'busybox', 'sh', '-c', 'seq 1 20000']);
  await g.run(['wait', burst.stdout.trim()]);
  const all = (await g.run(['logs', burst.stdout.trim()])).stdout.trimEnd().split('\n');
  assert.equal(all.length, 20000);
  assert.equal(all.at(-1), '20000');
});

test('run -it gets a real tty (under script) of the terminal\'s size, and its exit code', () => {
  const r = spawnSync('script', ['-eqc', `stty rows 33 cols 101; ${gantryCmd(`run -it --rm busybox sh -c 'tty; test -t 0 && echo stdin-tty; stty size; exit 3'`)}`, '/dev/null'], { env: g.env, input: '' });
  assert.equal(r.status, 3, r.stdout.toString());
  assert.match(r.stdout.toString(), /\/dev\/pts\/\d+/);
  assert.match(r.stdout.toString(), /stdin-tty/);
  // Under load the container's tty may echo a byte script sends when its own stdin ends ("^@").
  assert.match(r.stdout.toString(), /^(\^@)*33 101\r?$/m, 'the size it started with');
});

test('attach: ctrl-p ctrl-q detaches and leaves the container running', async () => {
  const r = await g.run(['run', '-dit', '--name', 'att', 'busybox', 'sh']);
  assert.equal(r.code, 0, r.stderr);
  // Keys are typed after attach is up: a shell feeds script's stdin slowly.
  const typed = spawnSync('sh', ['-c', `(sleep 1; printf 'echo at-$((40+2))\\n'; sleep 1; printf '\\020\\021') | script -eqc "${gantryCmd('attach att')}" /dev/null`], { env: g.env });
  assert.equal(typed.status, 0, typed.stdout.toString() + typed.stderr.toString());
  assert.match(typed.stdout.toString(), /at-42/);
  assert.equal(await inspectField('att', '{{.State.Running}}'), 'true');
  assert.equal((await g.run(['rm', '-f', 'att'])).code, 0);
});

test('healthcheck: unhealthy then healthy in ps and inspect', async () => {
  const r = await g.run(['run', '-d', '--name', 'hc', '--health-cmd', 'test -e /ok', '--health-interval', '300ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  await until('unhealthy', async () => (await inspectField('hc', '{{.State.Health.Status}}')) === 'unhealthy');
  assert.match((await g.run(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout, /\(unhealthy\)/);
  assert.equal((await g.run(['ps', '-q', '--filter', 'health=unhealthy'])).stdout.trim(), r.stdout.trim().slice(0, 12));
  await g.run(['exec', 'hc', 'touch', '/ok']);
  await until('healthy', async () => (await inspectField('hc', '{{.State.Health.Status}}')) === 'healthy');
  assert.match((await g.run(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout, /\(healthy\)/);
  const health = JSON.parse(await inspectField('hc', '{{json .State.Health}}')) as { FailingStreak: number; Log: unknown[] };
  assert.equal(health.FailingStreak, 0);
  assert.ok(health.Log.length > 0 && health.Log.length <= 5);
  await g.run(['rm', '-f', 'hc']);
});

test('restart policies: on-failure:N, always, unless-stopped', async () => {
  await g.run(['run', '-d', '--name', 'onf', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3']);
  await g.run(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']);
  await g.run(['run', '-d', '--name', 'unl', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
  await until('on-failure retries spent', async () => (await inspectField('onf', '{{.RestartCount}} {{.State.Status}}')) === '2 exited');
  assert.equal(await inspectField('onf', '{{.State.ExitCode}}'), '3');
  await until('always restarts', async () => Number(await inspectField('alw', '{{.RestartCount}}')) >= 2);
  assert.equal((await g.run(['stop', '-t', '1', 'unl'])).code, 0);
  await sleep(500);
  assert.equal(await inspectField('unl', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  await g.run(['rm', '-f', 'onf', 'alw', 'unl']);
});

/** Everything a reboot takes away: processes (monitors and containers), the run dir, mounts, cgroups. */
async function simulateReboot(ids: string[]): Promise<void> {
  for (const id of ids) {
    for (const f of ['monitor.pid', 'pid']) {
      const pid = Number(await readFile(join(g.runroot, 'containers', id.slice(0, 12), f), 'utf8').catch(() => '0'));
      if (pid > 0) spawnSync('kill', ['-9', String(pid)]);
    }
  }
  await sleep(300);
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(g.runroot));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  await rm(g.runroot, { recursive: true, force: true });
  for (const id of ids) for (const c of CGROUP_CONTROLLERS) await rmdir(`/sys/fs/cgroup/${c}/gantry/${id}`).catch(() => undefined);
}

test('system boot after a simulated reboot restarts what the policy says', async () => {
  const ids: Record<string, string> = {};
  for (const [name, policy] of [['b-always', 'always'], ['b-unless', 'unless-stopped'], ['b-no', 'no'], ['b-stopped', 'unless-stopped']] as const) {
    const r = await g.run(['run', '-d', '--name', name, '--restart', policy, 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
    ids[name] = r.stdout.trim();
  }
  await g.run(['stop', '-t', '0', 'b-stopped']);
  await simulateReboot(Object.values(ids));
  const boot = await g.run(['system', 'boot']);
  assert.equal(boot.code, 0, boot.stderr);
  assert.equal(await inspectField('b-always', '{{.State.Status}}'), 'running');
  assert.equal(await inspectField('b-unless', '{{.State.Status}}'), 'running');
  assert.equal(await inspectField('b-no', '{{.State.Status}}'), 'exited');
  assert.equal(await inspectField('b-stopped', '{{.State.Status}}'), 'exited');
  assert.equal((await g.run(['exec', 'b-always', 'true'])).code, 0);
  assert.equal((await g.run(['rm', '-f', ...Object.keys(ids)])).code, 0);
});

/** Container ids that ever appeared in the root or the runtime's state. */
async function seenIds(into: Set<string>): Promise<void> {
  for (const d of [join(g.root, 'containers'), join(g.runroot, 'runtime')]) for (const n of await readdir(d).catch(() => [] as string[])) if (/^[0-9a-f]{64}$/.test(n)) into.add(n);
}

test('crash: run -d and rm killed at random points leave a state ps, inspect, prune and run handle', async () => {
  const seen = new Set<string>();
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 6; round++) {
    const runs = Array.from({ length: 3 }, () => g.spawn(['run', '-d', 'busybox', 'sleep', '1000']));
    const watcher = setInterval(() => void seenIds(seen), 20);
    await sleep(100 + random() * 1400);
    for (const c of runs) c.kill('SIGKILL');
    const existing = (await g.run(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (existing.length) {
      const rmProc = g.spawn(['rm', '-f', ...existing]);
      await sleep(random() * 600);
      rmProc.kill('SIGKILL');
    }
    clearInterval(watcher);
    await seenIds(seen);
  }
  const ps = await g.run(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Status}}']);
  assert.equal(ps.code, 0, ps.stderr);
  const listed = ps.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!);
  for (const id of listed) assert.equal((await g.run(['inspect', id])).code, 0, `inspect ${id}`);
  if (listed.length) assert.equal((await g.run(['rm', '-f', ...listed])).code, 0);
  const prune = await g.run(['system', 'prune', '-f']);
  assert.equal(prune.code, 0, prune.stderr);
  const fresh = await g.run(['run', '--rm', 'busybox', 'echo', 'alive']);
  assert.equal(fresh.stdout, 'alive\n', `code ${fresh.code} stderr: ${fresh.stderr}`);
  assert.equal((await g.run(['ps', '-aq'])).stdout, '');

  // Nothing is left for the removed containers.
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => (l.split(' ')[1] ?? '').startsWith(g.runroot));
  assert.deepEqual(mounts, []);
  for (const id of seen) {
    for (const c of CGROUP_CONTROLLERS) assert.ok(!existsSync(`/sys/fs/cgroup/${c}/gantry/${id}`), `cgroup ${c}/gantry/${id} left`);
    assert.ok(!existsSync(join(g.runroot, 'runtime', id)), `runtime state ${id} left`);
    assert.ok(!existsSync(join(g.root, 'containers', id)), `record ${id} left`);
  }
  assert.deepEqual(await readdir(join(g.root, 'names')), []);
});

test('concurrency: parallel run -d on a few names mixed with rm -f and ps keep names unique and state readable', async () => {
  const names = ['c0', 'c1', 'c2', 'c3'];
  const jobs: Promise<{ code: number }>[] = [];
  for (let i = 0; i < 20; i++) {
    jobs.push(g.run(['run', '-d', '--name', names[i % names.length]!, 'busybox', 'sleep', '1000']));
    if (i % 4 === 0) jobs.push(g.run(['rm', '-f', names[(i / 4) % names.length]!]));
    if (i % 4 === 2) jobs.push(g.run(['ps', '-a']));
  }
  const results = await Promise.all(jobs);
  assert.ok(results.every((r) => [0, 1, 125].includes(r.code)), results.map((r) => r.code).join(' '));
  const ps = await g.run(['ps', '-a', '--format', '{{.Names}}']);
  assert.equal(ps.code, 0);
  const listed = ps.stdout.split('\n').filter(Boolean);
  assert.equal(new Set(listed).size, listed.length, `a name given twice: ${listed.join(' ')}`);
  for (const n of listed) assert.equal(await inspectField(n, '{{.Name}}'), `/${n}`);
  // Every reservation points at the container that holds the name.
  for (const n of await readdir(join(g.root, 'names'))) {
    const holder = (await readFile(join(g.root, 'names', n), 'utf8')).trim();
    assert.equal(await inspectField(holder, '{{.Name}}'), `/${n}`);
  }
  if (listed.length) assert.equal((await g.run(['rm', '-f', ...listed])).code, 0);
});

test('OOM: a process over --memory is killed: exit 137 and State.OOMKilled', async () => {
  const r = await g.run(['run', '--name', 'oom', '--memory', '32m', '--memory-swap', '32m', 'busybox', 'tail', '/dev/zero']);
  assert.equal(r.code, 137, r.stderr);
  assert.equal(await inspectField('oom', '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
  await g.run(['rm', 'oom']);
});

test('exit codes: 125 engine errors, 126 cannot invoke, 127 not found', async () => {
  assert.equal((await g.run(['run', '--rm', '--no-such-flag', 'busybox'])).code, 125);
  assert.equal((await g.run(['run', '--rm', 'busybox', '/etc/passwd'])).code, 126);
  assert.equal((await g.run(['run', '--rm', 'busybox', 'no-such-command'])).code, 127);
  assert.equal((await g.run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 42'])).code, 42);
});
