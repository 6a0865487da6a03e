// cgroup v2 lifecycle on the real kernel. This host is hybrid: cgroup2 at
// /sys/fs/cgroup/unified has no controllers, but procs, freeze, kill and events work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openCgroup, detectCgroupVersion, type CgroupManager } from '../../../src/runtime/cgroups/index.js';

const v2Root = detectCgroupVersion() === 2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
const isCgroup2 = (p: string) => {
  try {
    return statfsSync(p).type === 0x63677270;
  } catch {
    return false;
  }
};
const skip = process.getuid?.() !== 0 ? 'needs root' : !isCgroup2(v2Root) ? 'no cgroup2 mount' : !existsSync(`${v2Root}/cgroup.kill`) && !existsSync(`${v2Root}/cgroup.procs`) ? 'cgroup2 lacks cgroup.procs' : false;

const parent = `/gantry-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function cgroup(name: string): CgroupManager {
  const cg = openCgroup({ id: name, cgroupsPath: `${parent}/${name}`, version: 2, v2Root });
  made.push(cg);
  return cg;
}

function start(cmd: string[]) {
  const child = spawn(cmd[0] as string, cmd.slice(1), { stdio: 'pipe' });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // 'close' comes after the output is drained, unlike 'exit'.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
  return { child, exit, pid: child.pid as number };
}

const wchan = (pid: number) => readFileSync(`/proc/${pid}/wchan`, 'utf8');
const state = (pid: number) => /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 50));
  for (const cg of made) {
    await cg.thaw().catch(() => {});
    await cg.destroy().catch(() => {});
  }
  if (!skip) await openCgroup({ id: 'p', cgroupsPath: parent, version: 2, v2Root }).destroy();
});

test('v2 lifecycle: create, addProcess, pids, freeze/thaw, signalAll, destroy', { skip }, async () => {
  const cg = cgroup('life');
  assert.equal(cg.version, 2);
  assert.deepEqual(cg.procsFiles(), [`${v2Root}${parent}/life/cgroup.procs`]);
  await cg.create();
  assert.equal(await cg.exists(), true);
  const a = start(['sleep', '1000']);
  const b = start(['sh', '-c', 'read x; echo woke']);
  await cg.addProcess(a.pid);
  await cg.addProcess(b.pid);
  assert.deepEqual((await cg.pids()).sort(), [a.pid, b.pid].sort());
  assert.match(readFileSync(`/proc/${a.pid}/cgroup`, 'utf8'), new RegExp(`^0::${parent}/life$`, 'm'));

  await cg.freeze();
  assert.equal(await cg.isFrozen(), true);
  // v2 parks frozen tasks in the signal-delivery path, sleeping interruptibly.
  // The freezer parks each task when it next runs: wait for it to get there.
  for (let i = 0; i < 200 && wchan(a.pid) !== 'get_signal'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(state(a.pid), 'S');
  assert.equal(wchan(a.pid), 'get_signal');
  b.child.stdin.write('go\n'); // cannot be read while frozen
  await cg.thaw();
  assert.equal(await cg.isFrozen(), false);
  const bExit = await b.exit;
  assert.equal(bExit.code, 0);
  assert.equal(bExit.stdout, 'woke\n');

  await cg.signalAll(15);
  assert.equal((await a.exit).signal, 'SIGTERM');
  assert.deepEqual(await cg.pids(), []);
  await cg.destroy();
  assert.equal(await cg.exists(), false);
  assert.equal(existsSync(`${v2Root}${parent}/life`), false);
});

test('v2 SIGKILL goes through cgroup.kill and reaches sub-cgroups', { skip }, async () => {
  const cg = cgroup('kill');
  await cg.create();
  const a = start(['sleep', '1000']);
  const b = start(['sleep', '1000']);
  await cg.addProcess(a.pid);
  // Like `exec --cgroup sub`: a populated cgroup cannot delegate controllers, so that only warns.
  const warnings: string[] = [];
  const sub = openCgroup({ id: 'sub', cgroupsPath: `${parent}/kill/sub`, version: 2, v2Root, onWarning: (w) => warnings.push(w) });
  await sub.create();
  await sub.addProcess(b.pid);
  for (const w of warnings) assert.match(w, /cannot enable the \w+ controller/);
  assert.deepEqual((await cg.pids()).sort(), [a.pid, b.pid].sort());
  await cg.signalAll(9);
  assert.equal((await a.exit).signal, 'SIGKILL');
  assert.equal((await b.exit).signal, 'SIGKILL');
  await cg.destroy(); // removes sub first
  assert.equal(await cg.exists(), false);
});

test('v2 stats read what the hierarchy offers', { skip }, async () => {
  const cg = cgroup('stats');
  await cg.create();
  const p = start(['sh', '-c', 'i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done']);
  await cg.addProcess(p.pid);
  await p.exit;
  const stats = await cg.stats();
  assert.ok(stats.cpu.usage.total >= 0);
  assert.equal(typeof stats.memory.usage.usage, 'number');
  assert.equal(stats.pids.current, 0);
  assert.equal(await cg.oomKillCount(), 0);
});
