// Compiled filters installed on the real kernel with native/seccomp-load.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSeccomp } from '../../../src/runtime/seccomp/index.js';
import type { LinuxSeccomp, LinuxSyscall } from '../../../src/oci/runtime-spec.js';
import { makeEnv, runCapture, skip as runtimeSkip } from './harness.js';
import type { Env } from './harness.js';

const loader = fileURLToPath(new URL('../../../../native/build/seccomp-load', import.meta.url));
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
const skip = !existsSync(loader) ? 'native/build/seccomp-load is not built (npm run build)' : busybox === undefined ? 'needs busybox-static' : process.arch !== 'x64' && process.arch !== 'arm64' ? `no syscall table for ${process.arch}` : false;

async function runUnder(profile: LinuxSeccomp, args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-seccomp-'));
  try {
    const { program, flags } = compileSeccomp(profile);
    await writeFile(join(dir, 'filter.bpf'), program);
    const r = spawnSync(loader, [join(dir, 'filter.bpf'), String(flags), busybox as string, ...args.map((a) => a.replaceAll('$DIR', dir))], { encoding: 'utf8' });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, created: existsSync(join(dir, 'made')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('denying mkdir/mkdirat with EPERM makes busybox mkdir fail', { skip }, async () => {
  const r = await runUnder({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, ['mkdir', '$DIR/made']);
  assert.match(r.stderr, /Operation not permitted/);
  assert.equal(r.status, 1);
  assert.equal(r.created, false);
  const allowed = await runUnder({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['rmdir'], action: 'SCMP_ACT_ERRNO' }] }, ['mkdir', '$DIR/made']);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.created, true);
});

test('errnoRet picks the errno', { skip }, async () => {
  const r = await runUnder({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] }, ['mkdir', '$DIR/made']);
  assert.match(r.stderr, /No space left on device/);
});

test('SCMP_ACT_KILL_PROCESS kills with SIGSYS', { skip }, async () => {
  const r = await runUnder({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }, ['mkdir', '$DIR/made']);
  assert.equal(r.signal, 'SIGSYS');
});

test('argument conditions are evaluated by the kernel', { skip }, async () => {
  // kill(pid, SIGTERM) is refused, kill(pid, 0) is not.
  const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 15, op: 'SCMP_CMP_EQ' }] }] };
  const r = await runUnder(profile, ['sh', '-c', 'kill -0 $$ && echo probe-ok; kill -TERM $$; echo survived']);
  assert.match(r.stdout, /probe-ok/);
  assert.match(r.stdout, /survived/);
  assert.match(r.stderr, /Operation not permitted/);
});

test("podman's default allow-list runs a shell, and still denies what it leaves out", { skip: skip || (!existsSync('/usr/share/containers/seccomp.json') && 'needs containers-common seccomp.json') }, async () => {
  const docker = JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as { defaultAction: LinuxSeccomp['defaultAction']; defaultErrnoRet?: number; syscalls: (LinuxSyscall & { includes?: { caps?: string[] }; excludes?: unknown })[] };
  // What a container without capabilities gets: no caps-only allows, every caps-excluded deny.
  const syscalls = docker.syscalls.filter((s) => !s.includes?.caps?.length).map(({ names, action, args, errnoRet }) => ({ names, action, errnoRet, args: args ?? undefined }));
  const profile: LinuxSeccomp = { defaultAction: docker.defaultAction, defaultErrnoRet: docker.defaultErrnoRet, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls };
  const r = await runUnder(profile, ['sh', '-c', 'echo hello > $DIR/f && cat $DIR/f && ls / >/dev/null && echo done']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'hello\ndone\n');
  // swapon is on its deny list (harmless here: without the filter the kernel rejects a non-swap file with EINVAL).
  const swapon = await runUnder(profile, ['sh', '-c', 'head -c 65536 /dev/zero > $DIR/f; swapon $DIR/f']);
  assert.match(swapon.stderr, /Operation not permitted/);
  // chroot is denied to containers without CAP_SYS_CHROOT.
  const chroot = await runUnder(profile, ['chroot', '$DIR', '/bin/true']);
  assert.match(chroot.stderr, /Operation not permitted/);
});

// What busybox `echo` needs once it runs; none of the helper's own setup calls (close_range,
// dup2, rt_sigaction, setresuid, capset, setgroups, NO_NEW_PRIVS) are allowed.
const BUSYBOX_ECHO_ONLY: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  syscalls: [
    {
      names: ['execve', 'brk', 'mmap', 'munmap', 'mprotect', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq',
        'prlimit64', 'getrandom', 'readlink', 'readlinkat', 'getuid', 'write', 'writev', 'exit', 'exit_group'],
      action: 'SCMP_ACT_ALLOW',
    },
    { names: ['prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16 /* PR_GET_NAME */, op: 'SCMP_CMP_EQ' }] },
  ],
};

describe('a restrictive profile is the last thing before execve', { skip: runtimeSkip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  for (const noNewPrivileges of [true, false]) {
    it(`runs busybox echo with an allow-list of only its own syscalls (noNewPrivileges ${noNewPrivileges})`, async () => {
      const r = await runCapture(env, ['echo', 'allowed'], (s) => {
        s.process!.noNewPrivileges = noNewPrivileges;
        s.linux!.seccomp = BUSYBOX_ECHO_ONLY;
      });
      assert.equal(r.out, 'allowed\n');
      assert.equal(r.code, 0);
    });
  }

  it('the profile is in force: a syscall it leaves out fails', async () => {
    const r = await runCapture(env, ['mkdir', '/made'], (s) => {
      s.linux!.seccomp = BUSYBOX_ECHO_ONLY;
    });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Operation not permitted/);
    assert.equal(existsSync(join(env.bundles.at(-1)!.rootfs, 'made')), false);
  });

  it('keeping CAP_SYS_ADMIN until the filter is loaded changes no capability of the process', async () => {
    const caps = async (uid: number, withCaps: boolean, seccomp: boolean) => {
      const r = await runCapture(env, ['grep', '^Cap[EPIBA]', '/proc/self/status'], (s) => {
        s.process!.noNewPrivileges = false;
        s.process!.user = { uid, gid: uid };
        if (!withCaps) delete s.process!.capabilities;
        if (seccomp) s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
      });
      assert.equal(r.code, 0, r.out);
      return r.out;
    };
    for (const [uid, withCaps] of [[0, true], [1000, true], [1000, false]] as const) {
      const filtered = await caps(uid, withCaps, true);
      assert.equal(filtered, await caps(uid, withCaps, false), `uid ${uid}, capabilities ${withCaps}`);
      if (withCaps) assert.match(filtered, uid === 0 ? /CapEff:\t0000000020000420/ : /CapEff:\t0000000000000000/);
    }
  });
});
