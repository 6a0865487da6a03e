import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundle, makeEnv, newId, runCapture, skip } from './harness.js';
import type { Env } from './harness.js';

const RECVTTY = new URL('../../../../native/build/recvtty', import.meta.url).pathname;
const root = { uid: 0, gid: 0 };

describe('runtime namespaces, devices and process details', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('keeps the created init on a sealed memfd copy of the helper, never the host binary', async () => {
    const b = bundle(env, ['true']);
    const id = newId(env);
    const st = await env.rt.create({ id, bundle: b.dir });
    assert.match(readlinkSync(`/proc/${st.pid}/exe`), /^\/memfd:gantry-init/);
    await env.rt.delete(id);
  });

  it('joins namespaces by path, writes sysctls and gives each container its own session keyring', async () => {
    const a = bundle(env, ['sleep', '1000']);
    const idA = newId(env);
    const { pid } = await env.rt.create({ id: idA, bundle: a.dir });
    await env.rt.start(idA);
    const netA = readlinkSync(`/proc/${pid}/ns/net`);
    const r = await runCapture(env, ['sh', '-c', 'readlink /proc/self/ns/net; cat /proc/sys/net/ipv4/ip_forward; grep -o "keyring *t-[0-9-]*" /proc/keys'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { type: 'network', path: `/proc/${pid}/ns/net` } : ns));
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.linux!.readonlyPaths = s.linux!.readonlyPaths!.filter((p) => p !== '/proc/sys');
      s.linux!.maskedPaths = s.linux!.maskedPaths!.filter((p) => p !== '/proc/keys');
    });
    assert.equal(r.code, 0, r.out);
    const [net, forward, ...keyrings] = r.out.trim().split('\n');
    assert.equal(net, netA);
    assert.equal(forward, '1');
    // other containers' keyrings of the same uid are listed too; ours must be there
    assert.ok(keyrings.map((k) => k.split(/\s+/)[1]).includes(r.id), 'session keyring named after the container');
    assert.notEqual(readlinkSync('/proc/self/ns/net'), netA);
    await env.rt.delete(idA, { force: true });
  });

  it('roots a new cgroup namespace at the container cgroup', async () => {
    const r = await runCapture(env, ['cat', '/proc/self/cgroup'], (s) => s.linux!.namespaces!.push({ type: 'cgroup' }));
    assert.equal(r.code, 0, r.out);
    for (const line of r.out.trim().split('\n')) {
      if (/:(memory|pids|cpu,cpuacct|freezer|devices):/.test(line)) assert.match(line, /:\/$/, line);
    }
  });

  it('mounts /dev/pts and /dev/shm when the config does not', async () => {
    const r = await runCapture(env, ['sh', '-c', 'grep -E " /dev/(pts|shm) " /proc/mounts | cut -d" " -f2,3; readlink /dev/ptmx'], (s) => {
      s.mounts = s.mounts!.filter((m) => m.destination !== '/dev/pts' && m.destination !== '/dev/shm');
    });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.trim().split('\n'), ['/dev/pts devpts', '/dev/shm tmpfs', 'pts/ptmx']);
  });

  it('creates a missing cwd', async () => {
    const r = await runCapture(env, ['pwd'], (s) => {
      s.process!.cwd = '/work/dir';
      s.root!.readonly = true;
    });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, '/work/dir\n');
  });

  it('creates linux.devices and applies oom_score_adj and umask', async () => {
    const r = await runCapture(env, ['sh', '-c', 'ls -l /dev/fuse /dev/mypipe | cut -c1-10; cat /proc/self/oom_score_adj; umask'], (s) => {
      s.linux!.devices = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600 },
        { path: '/dev/mypipe', type: 'p', fileMode: 0o644 },
      ];
      s.process!.oomScoreAdj = 500;
      s.process!.user.umask = 0o077;
    });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.trim().split('\n'), ['crw-------', 'prw-r--r--', '500', '0077']);
  });

  it('applies process.ioPriority and linux.personality', async () => {
    const r = await runCapture(env, ['sh', '-c', 'ionice -p $$; uname -m'], (s) => {
      s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      s.linux!.personality = { domain: 'LINUX32' };
    });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.trim().split('\n'), ['best-effort: prio 6', 'i686']);
  });

  it('applies process.scheduler and execCPUAffinity', async () => {
    const r = await runCapture(env, ['sh', '-c', 'cat /proc/self/stat; grep Cpus_allowed_list /proc/self/status'], (s) => {
      s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
      s.process!.execCPUAffinity = { initial: '0-1', final: '0' };
    });
    assert.equal(r.code, 0, r.out);
    const [stat = '', cpus] = r.out.trim().split('\n');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(fields[16], '5', 'nice'); // stat field 19
    assert.equal(fields[38], '3', 'policy SCHED_BATCH'); // stat field 41
    assert.match(cpus!, /Cpus_allowed_list:\s+0$/);
    await assert.rejects(runCapture(env, ['true'], (s) => (s.process!.scheduler = { policy: 'SCHED_NOPE' })), /process.scheduler.policy: unknown policy "SCHED_NOPE"/);
  });

  it('names the failing step of an exec', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    await assert.rejects(env.rt.exec(id, { process: { args: ['true'], cwd: '/nope', user: root } }), /chdir \/nope: ENOENT/);
    await assert.rejects(env.rt.exec(id, { process: { args: ['true'], cwd: 'rel', user: root } }), /process.cwd/);
    await env.rt.delete(id, { force: true });
  });

  it('gives an exec a terminal through the console socket', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    const sock = join(b.dir, 'exec-console.sock');
    const recv = spawn(RECVTTY, [sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    recv.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise((r) => recv.on('close', r));
    await new Promise<void>((resolve) => recv.stderr.setEncoding('utf8').on('data', (d: string) => d.includes('listening') && resolve()));
    try {
      const r = await env.rt.exec(id, { process: { terminal: true, args: ['sh', '-c', 'tty; exit 4'], cwd: '/', user: root }, consoleSocket: sock });
      assert.equal(r.exitCode, 4);
      await closed;
    } finally {
      recv.kill();
    }
    assert.match(out, /\/dev\/pts\/\d+/);
    await env.rt.delete(id, { force: true });
  });

  it('writes the exec pid file', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    const pidFile = join(b.dir, 'exec.pid');
    const outFile = join(b.dir, 'out');
    const fd = openSync(outFile, 'w');
    try {
      const r = await env.rt.exec(id, { process: { args: ['sleep', '1000'], cwd: '/', user: root }, detach: true, pidFile, stdio: [0, fd, fd] });
      assert.equal(readFileSync(pidFile, 'utf8'), String(r.pid));
      assert.match(readFileSync(`/proc/${r.pid}/cmdline`, 'utf8'), /^sleep\0/);
    } finally {
      closeSync(fd);
    }
    await env.rt.delete(id, { force: true });
  });
});
