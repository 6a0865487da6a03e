// Podman 4 (through conmon) with bin/gantry-runtime as its OCI runtime:
// `create --console-socket`, `start`, `exec --detach --pid-file`, `kill`,
// `delete --force` and `--version`, as conmon and libpod call them.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RUNTIME, busyboxRootfs } from './cli-harness.js';

const missing = ['podman', 'conmon', 'script'].filter((t) => spawnSync('which', [t]).status !== 0);
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;

describe('podman with gantry-runtime as its OCI runtime', { skip }, () => {
  let dir: string;
  // Podman raises NOFILE and NPROC to 1048576/4194304; root here lacks CAP_SYS_RESOURCE to go above the hard limits.
  const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  const podmanArgs = () => [
    '--root', join(dir, 'root'),
    '--runroot', join(dir, 'runroot'),
    '--tmpdir', join(dir, 'tmp'),
    '--runtime', RUNTIME,
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
    '--storage-driver', 'vfs',
  ];
  const podman = (...args: string[]) => {
    const r = spawnSync('podman', [...podmanArgs(), ...args], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (r: ReturnType<typeof podman>) => {
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-podman-'));
    const tar = join(dir, 'rootfs.tar');
    execFileSync('tar', ['--numeric-owner', '-C', busyboxRootfs(), '-cf', tar, '.']);
    ok(podman('import', '--change', 'CMD ["sh"]', tar, 'localhost/gantry-busybox:latest'));
  });

  after(() => {
    if (!dir) return;
    podman('rm', '--all', '--force', '--time', '0');
    podman('rmi', '--all', '--force');
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((m) => m.startsWith(dir)).reverse()) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('podman info reads the runtime version', () => {
    const info = JSON.parse(ok(podman('info', '--format', 'json'))) as { host: { ociRuntime: { path: string; version: string } } };
    assert.equal(info.host.ociRuntime.path, RUNTIME);
    assert.match(info.host.ociRuntime.version, /version/);
  });

  test('run --rm prints the output', () => {
    assert.equal(ok(podman('run', '--rm', ...LIMITS, '--network', 'none', 'gantry-busybox', 'echo', 'hi')), 'hi\n');
    const failing = podman('run', '--rm', ...LIMITS, '--network', 'none', 'gantry-busybox', 'sh', '-c', 'exit 4');
    assert.equal(failing.status, 4, failing.stderr);
  });

  test('run -it gets a terminal through the console socket', async () => {
    const cmd = [
      'podman', ...podmanArgs(), 'run', '-it', '--rm', ...LIMITS, '--network', 'none', 'gantry-busybox', 'sh', '-c', 'tty; echo tty-ok',
    ].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    // `script` gives podman a real terminal; its stdin stays open until the
    // command ends, as a user's would (an early EOF would end the session).
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    child.stdin.end();
    assert.equal(code, 0, output);
    assert.match(output, /\/dev\/pts\/\d+/);
    assert.match(output, /tty-ok/);
  });

  test('a container sees its own cgroups, read-only in every submount', { skip: readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup/memory ') ? false : 'needs the v1 memory controller' }, () => {
    const probe = 'echo $$ > /sys/fs/cgroup/memory/cgroup.procs || echo escape-refused; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep " /sys/fs/cgroup" /proc/self/mountinfo';
    const out = ok(podman('run', '--rm', ...LIMITS, '--network', 'none', '--memory', '48m', 'gantry-busybox', 'sh', '-c', probe));
    assert.match(out, /escape-refused\n50331648\n/);
    const mounts = out.split('\n').filter((l) => / \/sys\/fs\/cgroup/.test(l) && / - /.test(l));
    assert.ok(mounts.length > 2, out);
    for (const m of mounts) assert.match(m.split(' ')[5]!, /^ro,/, m);
  });

  test('run -d, exec, stop and rm', () => {
    const id = ok(podman('run', '-d', ...LIMITS, '--network', 'none', '--name', 'gantry-podman-long', 'gantry-busybox', 'sleep', '1000')).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(ok(podman('exec', 'gantry-podman-long', 'sh', '-c', 'echo exec-ok')), 'exec-ok\n');
    assert.equal(podman('exec', 'gantry-podman-long', 'sh', '-c', 'exit 6').status, 6);
    const top = ok(podman('top', 'gantry-podman-long'));
    assert.match(top, /sleep 1000/);
    ok(podman('stop', '--time', '1', 'gantry-podman-long'));
    assert.equal(ok(podman('inspect', '--format', '{{.State.Status}}', 'gantry-podman-long')).trim(), 'exited');
    ok(podman('rm', 'gantry-podman-long'));
  });
});
