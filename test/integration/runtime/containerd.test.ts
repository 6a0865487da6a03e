// Debian's containerd with its runc shim, told to use bin/gantry-runtime as
// the runc binary: ctr run/exec/kill/pause/resume/delete go through exactly
// the flags containerd-shim-runc-v2 passes (--root /run/containerd/runc/<ns>,
// --log <bundle>/log.json --log-format json, create --pid-file, exec --process).
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { buildOciArchive } from '../../fixtures/oci-image.js';
import { RUNTIME, busyboxRootfs, waitFor } from './cli-harness.js';

const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2'].filter((t) => spawnSync('which', [t]).status !== 0);
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;

/** Shims this test's containerd started carry our unique namespace on their command line. */
function pidsWithArg(arg: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const IMAGE = 'docker.io/library/gantry-busybox:latest';

describe('containerd with gantry-runtime as its runc binary', { skip }, () => {
  let dir: string;
  let sock: string;
  let daemon: ChildProcess | undefined;
  const ns = `gantry-test-${process.pid}`;

  const ctr = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)('ctr', ['--address', sock, '--namespace', ns, ...args], { timeout: 60_000 });
    return stdout;
  };
  const ctrResult = (...args: string[]) => spawnSync('ctr', ['--address', sock, '--namespace', ns, ...args], { encoding: 'utf8', timeout: 60_000 });
  const taskStatus = (id: string) => {
    const line = ctrResult('task', 'ls').stdout.split('\n').find((l) => l.startsWith(`${id} `));
    return line?.trim().split(/\s+/)[2];
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-ctrd-'));
    sock = join(dir, 'containerd.sock');
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        // Only what ctr run needs: content, metadata, snapshots, tasks and the runc v2 shim.
        'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
        '  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.internal.v1.tracing",',
        '  "io.containerd.tracing.processor.v1.otlp"]',
        '[grpc]',
        `  address = "${sock}"`,
        '[ttrpc]',
        `  address = "${sock}.ttrpc"`,
        '[debug]',
        `  address = "${dir}/debug.sock"`,
        '[metrics]',
        '  address = ""',
        '',
      ].join('\n'),
    );
    daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let daemonLog = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      daemonLog = (daemonLog + d.toString()).slice(-20_000);
    });
    await waitFor(`containerd socket (log: ${daemonLog.slice(-2000)})`, () => (existsSync(sock) && ctrResult('version').status === 0 ? true : undefined), 30_000);
    const archive = join(dir, 'busybox.tar');
    buildOciArchive({ rootfs: busyboxRootfs(), out: archive, name: IMAGE });
    await ctr('images', 'import', '--snapshotter', 'native', archive);
  });

  after(async () => {
    if (sock && daemon) {
      for (const id of ctrResult('task', 'ls', '-q').stdout.split('\n').filter(Boolean)) {
        ctrResult('task', 'kill', '--signal', 'SIGKILL', id);
        ctrResult('task', 'delete', '--force', id);
      }
      for (const id of ctrResult('containers', 'ls', '-q').stdout.split('\n').filter(Boolean)) ctrResult('containers', 'delete', id);
      ctrResult('images', 'rm', IMAGE);
      ctrResult('namespaces', 'remove', ns);
    }
    daemon?.kill('SIGTERM');
    if (daemon && daemon.exitCode === null) await new Promise((r) => daemon!.once('exit', r));
    // Shims and mounts under the temp root outlive a killed daemon: end them too.
    for (const pid of pidsWithArg(ns)) killQuietly(pid);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((m) => m.startsWith(dir)).reverse()) spawnSync('umount', ['-l', m]);
    rmSync(`/run/containerd/runc/${ns}`, { recursive: true, force: true });
    // containerd puts each task's cgroup under /<namespace>: the runtime removes the
    // task's, the namespace's parent is left to us.
    for (const h of readdirSync('/sys/fs/cgroup')) rmdirQuietly(`/sys/fs/cgroup/${h}/${ns}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('ctr run --rm prints the output and removes the container', async () => {
    const out = await ctr('run', '--rm', '--snapshotter', 'native', '--runc-binary', RUNTIME, IMAGE, 'ctr-echo', 'sh', '-c', 'echo hello from containerd');
    assert.equal(out, 'hello from containerd\n');
    assert.equal(ctrResult('containers', 'info', 'ctr-echo').status === 0, false);
  });

  test('ctr run -d, task exec, pause, resume, kill and delete', async () => {
    await ctr('run', '-d', '--snapshotter', 'native', '--runc-binary', RUNTIME, IMAGE, 'ctr-long', 'sleep', '1000');
    await waitFor('RUNNING', () => (taskStatus('ctr-long') === 'RUNNING' ? true : undefined));
    assert.equal(await ctr('task', 'exec', '--exec-id', 'e1', 'ctr-long', 'sh', '-c', 'echo exec says hi'), 'exec says hi\n');
    const failing = ctrResult('task', 'exec', '--exec-id', 'e2', 'ctr-long', 'sh', '-c', 'exit 5');
    assert.notEqual(failing.status, 0);
    await ctr('task', 'pause', 'ctr-long');
    assert.equal(taskStatus('ctr-long'), 'PAUSED');
    await ctr('task', 'resume', 'ctr-long');
    assert.equal(taskStatus('ctr-long'), 'RUNNING');
    const pids = await ctr('task', 'ps', 'ctr-long');
    assert.match(pids, /PID/);
    await ctr('task', 'kill', '--signal', 'SIGKILL', 'ctr-long');
    await waitFor('STOPPED', () => (taskStatus('ctr-long') === 'STOPPED' ? true : undefined));
    await ctr('task', 'delete', 'ctr-long');
    await ctr('containers', 'delete', 'ctr-long');
    const log = join(dir, 'state', 'io.containerd.runtime.v2.task', ns, 'ctr-long', 'log.json');
    assert.ok(!existsSync(log) || readFileSync(log, 'utf8').split('\n').every((l) => l === '' || JSON.parse(l).level));
  });
});

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not there (or not a cgroup hierarchy)
  }
}
