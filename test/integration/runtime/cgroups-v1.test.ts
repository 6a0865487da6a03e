// cgroup v1 against the real kernel: limits enforced, freezer, signals, stats, cleanup.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openCgroup, detectCgroupVersion, type CgroupManager } from '../../../src/runtime/cgroups/index.js';
import { isInvalidArgument, errorCode } from '../../../src/errdefs/index.js';

const skip =
  process.getuid?.() !== 0 ? 'needs root' : detectCgroupVersion() !== 1 ? 'needs cgroup v1 (this host is unified v2)' : !existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') ? 'needs the v1 memory controller' : false;

const parent = `/gantry-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function cgroup(name: string): CgroupManager {
  const cg = openCgroup({ id: name, cgroupsPath: `${parent}/${name}`, version: 1 });
  made.push(cg);
  return cg;
}

interface Started {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}

/** Starts `sh` blocked on a read, moves it into the cgroup, then lets it run `script`. */
async function runIn(cg: CgroupManager, script: string): Promise<Started> {
  const child = spawn('sh', ['-c', `read x; ${script}`], { stdio: 'pipe' });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })),
  );
  await new Promise((resolve) => child.on('spawn', resolve));
  await cg.addProcess(child.pid as number);
  child.stdin.write('\n');
  return { child, exit };
}

const waitForOutput = (child: ChildProcessWithoutNullStreams, text: string) =>
  new Promise<void>((resolve) => {
    let seen = '';
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
  });

const procState = (pid: number) => /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];


after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 50));
  for (const cg of made) {
    await cg.thaw().catch(() => {});
    await cg.destroy().catch(() => {});
  }
  if (!skip) await openCgroup({ id: 'parent', cgroupsPath: parent, version: 1 }).destroy();
});

test('memory limit: an allocating process is OOM-killed and counted', { skip }, async () => {
  const cg = cgroup('oom');
  await cg.create();
  await cg.apply({ memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } });
  assert.equal(readFileSync(`/sys/fs/cgroup/memory${cg.path}/memory.limit_in_bytes`, 'utf8').trim(), String(32 * 1024 * 1024));
  assert.equal(await cg.oomKillCount(), 0);
  // tail keeps the whole "last line" of a newline-free stream in memory.
  const { exit } = await runIn(cg, 'exec tail /dev/zero');
  const result = await exit;
  assert.equal(result.signal, 'SIGKILL');
  assert.ok((await cg.oomKillCount()) >= 1);
  const stats = await cg.stats();
  assert.ok(stats.memory.usage.max > 16 * 1024 * 1024, `peak ${stats.memory.usage.max}`);
  assert.equal(stats.memory.usage.limit, 32 * 1024 * 1024);
});

test('a memory limit below current usage is refused naming the file and value', { skip }, async () => {
  const cg = cgroup('busy');
  await cg.create();
  await cg.apply({ memory: { limit: 256 * 1024 * 1024, swap: 256 * 1024 * 1024 } });
  const { child, exit } = await runIn(cg, 'x=$(head -c 30000000 /dev/zero | tr "\\0" x); echo ready; read y');
  await waitForOutput(child, 'ready');
  await assert.rejects(cg.apply({ memory: { limit: 4 * 1024 * 1024, swap: 4 * 1024 * 1024 } }), (e: Error) => {
    assert.match(e.message, /unable to set memory limit to 4194304/);
    assert.match(e.message, /memory\.limit_in_bytes/);
    return true;
  });
  child.stdin.end('\n');
  assert.equal((await exit).code, 0);
});

test('invalid values are rejected before reaching the kernel', { skip }, async () => {
  const cg = cgroup('invalid');
  await cg.create();
  await assert.rejects(cg.apply({ cpu: { shares: 1 } }), (e: Error) => isInvalidArgument(e) && /cpu\.shares/.test(e.message) && /"1"/.test(e.message));
  await assert.rejects(cg.apply({ cpu: { cpus: '99999' } }), (e: Error) => errorCode(e) === 'invalid-argument' && /cpuset\.cpus/.test(e.message) && /99999/.test(e.message));
});

test('a control file this kernel lacks is reported as not found, not as permission denied', { skip: skip || (existsSync('/sys/fs/cgroup/blkio/blkio.leaf_weight') && 'this kernel has blkio.leaf_weight') }, async () => {
  // Opening with O_CREAT made cgroupfs answer EACCES (it cannot create files); runc and crun say ENOENT.
  const cg = cgroup('missing-file');
  await cg.create();
  await assert.rejects(cg.apply({ blockIO: { leafWeight: 300 } }), (e: Error) => {
    assert.equal(errorCode(e), 'not-found');
    assert.match(e.message, /failed to write "300" to ".*\/blkio\.leaf_weight": ENOENT/);
    return true;
  });
});

test('kernelTCP sets the kernel TCP buffer limit', { skip: skip || (!existsSync('/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes') && 'needs memory.kmem.tcp.limit_in_bytes') }, async () => {
  const cg = cgroup('kmem-tcp');
  await cg.create();
  await cg.apply({ memory: { kernelTCP: 16 * 1024 * 1024 } });
  const file = `/sys/fs/cgroup/memory${cg.path}/memory.kmem.tcp.limit_in_bytes`;
  assert.equal(readFileSync(file, 'utf8').trim(), String(16 * 1024 * 1024));
  await cg.apply({ memory: { kernelTCP: -1 } });
  assert.equal(readFileSync(file, 'utf8').trim(), readFileSync('/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes', 'utf8').trim());
});

test('pids limit makes fork fail', { skip }, async () => {
  const cg = cgroup('pids');
  await cg.create();
  await cg.apply({ pids: { limit: 1 } });
  const { exit } = await runIn(cg, '/bin/true; echo after=$?');
  const result = await exit;
  assert.match(result.stderr, /fork/i);
  assert.doesNotMatch(result.stdout, /after=0/);
});

test('cpu, cpuset, blkio and devices settings land in their files', { skip }, async () => {
  const cg = cgroup('cpu');
  await cg.create();
  await cg.apply({
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    pids: { limit: 0 },
    devices: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
  });
  const read = (ctl: string, file: string) => readFileSync(`/sys/fs/cgroup/${ctl}${cg.path}/${file}`, 'utf8').trim();
  assert.equal(read('cpu', 'cpu.shares'), '512');
  assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(read('cpu', 'cpu.cfs_period_us'), '100000');
  assert.equal(read('cpuset', 'cpuset.cpus'), '0');
  assert.equal(read('pids', 'pids.max'), 'max');
  assert.equal(read('devices', 'devices.list'), 'c 1:3 rwm');
  const { exit } = await runIn(cg, 'cat /dev/null && echo ok');
  assert.equal((await exit).stdout.trim(), 'ok');
});

test('freeze and thaw; signalAll reaches every process, and keeps a paused cgroup paused', { skip }, async () => {
  const cg = cgroup('freeze');
  await cg.create();
  const a = await runIn(cg, 'exec sleep 1000');
  const b = await runIn(cg, 'exec sleep 1000');
  const pidA = a.child.pid as number;
  assert.deepEqual((await cg.pids()).sort(), [pidA, b.child.pid as number].sort());
  await cg.freeze();
  assert.equal(await cg.isFrozen(), true);
  assert.equal(procState(pidA), 'D'); // frozen tasks report uninterruptible sleep
  await cg.thaw();
  assert.equal(await cg.isFrozen(), false);
  assert.notEqual(procState(pidA), 'D');
  // Signalling a paused cgroup leaves it paused; the signal lands on thaw.
  await cg.freeze();
  await cg.signalAll(15);
  assert.equal(await cg.isFrozen(), true);
  await cg.thaw();
  assert.equal((await a.exit).signal, 'SIGTERM');
  assert.equal((await b.exit).signal, 'SIGTERM');
  assert.deepEqual(await cg.pids(), []);
});

test('stats report cpu, memory and pids of a running process', { skip }, async () => {
  const cg = cgroup('stats');
  await cg.create();
  const { child, exit } = await runIn(cg, 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo ready; read y');
  await waitForOutput(child, 'ready');
  const stats = await cg.stats();
  assert.ok(stats.cpu.usage.total > 0);
  assert.ok(stats.cpu.usage.user + stats.cpu.usage.kernel > 0);
  assert.equal(stats.cpu.usage.percpu?.length, readFileSync('/sys/fs/cgroup/cpuset/cpuset.effective_cpus', 'utf8').trim() === '0' ? 1 : stats.cpu.usage.percpu?.length);
  assert.ok(stats.memory.usage.usage > 0);
  assert.ok(stats.pids.current >= 1);
  assert.ok(stats.cpu.throttling !== undefined);
  child.stdin.end('\n');
  await exit;
});

test('destroy removes the directory from every hierarchy', { skip }, async () => {
  const cg = cgroup('gone');
  await cg.create();
  const { exit } = await runIn(cg, 'exit 0');
  await exit;
  assert.equal(await cg.exists(), true);
  await cg.destroy();
  assert.equal(await cg.exists(), false);
  for (const ctl of readdirSync('/sys/fs/cgroup')) {
    if (ctl === 'unified') continue;
    assert.equal(existsSync(`/sys/fs/cgroup/${ctl}${cg.path}`), false, ctl);
  }
  await cg.destroy(); // idempotent
});
