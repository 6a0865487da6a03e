import { strict as assert } from 'node:assert';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCgroup } from '../../../src/runtime/cgroups/index.js';
import { bundle, makeEnv, newId, runCapture, skip, waitFor } from './harness.js';
import type { Env } from './harness.js';

describe('runtime isolation', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('masks paths and makes readonly paths and the root read-only', async () => {
    const r = await runCapture(env, ['sh', '-c', 'wc -c < /proc/version; ls /sys/firmware | wc -l; touch /x 2>&1; echo 1 > /proc/sys/kernel/domainname 2>&1; touch /tmp/y 2>&1; echo done'], (s) => {
      s.root!.readonly = true;
      s.linux!.maskedPaths!.push('/proc/version'); // /proc/kcore is absent on this kernel; version always has content
      s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    });
    assert.equal(r.code, 0, r.out);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.equal(lines[1], '0');
    assert.match(lines[2]!, /Read-only file system/);
    assert.match(lines[3]!, /Read-only file system/);
    assert.equal(lines[4], 'done', 'tmpfs on /tmp stays writable');
  });

  it('mounts tmpfs and read-only binds, and keeps symlinked destinations inside the rootfs', async () => {
    const b = bundle(env, ['sh', '-c', 'cat /data/file; touch /data/new 2>&1; grep -c " /scratch tmpfs" /proc/mounts; ls /etc/escape && echo inside'], (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: 'hostdata', options: ['rbind', 'ro'] });
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      s.mounts!.push({ destination: '/link/escape', type: 'tmpfs', source: 'tmpfs' });
    });
    mkdirSync(join(b.dir, 'hostdata'));
    writeFileSync(join(b.dir, 'hostdata', 'file'), 'from host\n');
    symlinkSync('/etc', join(b.rootfs, 'link')); // /link -> /etc must resolve to rootfs/etc, never the host's
    const id = newId(env);
    const outFile = join(b.dir, 'out');
    const fd = openSync(outFile, 'w');
    const code = await env.rt.run({ id, bundle: b.dir, stdio: [0, fd, fd] });
    closeSync(fd);
    const out = readFileSync(outFile, 'utf8');
    assert.equal(code, 0, out);
    assert.match(out, /^from host\n/);
    assert.match(out, /Read-only file system/);
    assert.match(out, /\n1\n/);
    assert.match(out, /inside/);
    assert.ok(existsSync(join(b.rootfs, 'etc', 'escape')), 'mount point created inside the rootfs');
    assert.ok(!existsSync('/etc/escape'), 'nothing created on the host');
  });

  it('brings lo up in a new network namespace, like runc', async () => {
    const r = await runCapture(env, ['cat', '/sys/class/net/lo/operstate', '/sys/class/net/lo/flags']);
    assert.equal(r.code, 0, r.out);
    // lo reports "unknown" rather than "up"; flags has IFF_UP (0x1)
    assert.equal(Number(r.out.trim().split('\n')[1]) & 1, 1, r.out);
  });

  it('applies rootfs propagation', async () => {
    const r = await runCapture(env, ['sh', '-c', 'awk \'$5 == "/"\' /proc/self/mountinfo'], (s) => (s.linux!.rootfsPropagation = 'rshared'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /shared:\d+/);
  });

  it('installs seccomp filters', async () => {
    const r = await runCapture(env, ['sh', '-c', 'mkdir /tmp/d 2>&1; echo $?'], (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      };
    });
    assert.match(r.out, /Operation not permitted/);
    assert.match(r.out, /\n1\n$/);
    const status = await runCapture(env, ['grep', 'Seccomp:', '/proc/self/status'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    });
    assert.match(status.out, /Seccomp:\s+2/);
  });

  it('applies rlimits and reports the ones the host refuses by name', async () => {
    const r = await runCapture(env, ['sh', '-c', 'ulimit -n'], (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 77, hard: 100 }]));
    assert.equal(r.out.trim(), '77');
    await assert.rejects(
      runCapture(env, ['true'], (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1 << 30, hard: 1 << 30 }])),
      /process.rlimits RLIMIT_NOFILE: setrlimit: EPERM/,
    );
    await assert.rejects(runCapture(env, ['true'], (s) => (s.process!.oomScoreAdj = -500)), /process.oomScoreAdj: write \/proc\/self\/oom_score_adj: E(PERM|ACCES)/);
  });

  it('kills on a memory limit (oom) and stops forks at the pids limit', async () => {
    const b = bundle(env, ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], (s) => {
      s.linux!.resources = { memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } };
    });
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    assert.equal(await env.rt.oomKillCount(id), 0);
    await env.rt.start(id);
    await waitFor(async () => (await env.rt.oomKillCount(id)) > 0, 'oom');
    assert.ok((await openCgroup({ id }).oomKillCount()) > 0, 'the cgroup recorded an oom kill');
    await env.rt.delete(id, { force: true });

    const p = await runCapture(env, ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; echo forks-done'], (s) => {
      s.linux!.resources = { pids: { limit: 4 } };
    });
    assert.match(p.out, /can't fork|Resource temporarily unavailable|fork/i);
  });
});
