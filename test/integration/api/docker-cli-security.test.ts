// The real docker CLI's --security-opt seccomp=<file> (it sends the file's
// JSON, not its path), --group-add and --cgroup-parent against gantry system service.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, findDockerCli, runClient } from './daemon-harness.js';

const DOCKER = findDockerCli();
const parent = `/gantry-docker-parent-${randomBytes(4).toString('hex')}`;

let d: Daemon;
let work: string;
async function ok(args: string[]): Promise<string> {
  const r = await runClient(DOCKER!, args, { env: d.clientEnv() });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('docker CLI: seccomp profiles, --group-add, --cgroup-parent', { skip: DOCKER ? false : 'no docker CLI (scripts/install-deps.sh extracts Debian\'s)', timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    work = await mkdtemp(join(tmpdir(), 'gantry-docker-security-'));
  });
  after(async () => {
    await d?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    for (const controller of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', controller, parent);
      if (existsSync(dir)) rmdirSync(dir);
    }
  });

  test('--security-opt seccomp=<file>: the profile the CLI sends as JSON applies', async () => {
    const profile = join(work, 'no-mkdir.json');
    await writeFile(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
    const r = await runClient(DOCKER!, ['run', '--rm', '--security-opt', `seccomp=${profile}`, 'busybox', 'mkdir', '/made'], { env: d.clientEnv() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /can't create directory '\/made': Operation not permitted/);
    assert.equal(await ok(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'sh', '-c', 'grep ^Seccomp: /proc/self/status']), 'Seccomp:\t0');
  });

  test('--group-add and --cgroup-parent', async () => {
    assert.equal(await ok(['run', '--rm', '--group-add', 'daemon', '--group-add', '4000', 'busybox', 'id']), 'uid=0(root) gid=0(root) groups=1(daemon),10(wheel),4000');
    const id = await ok(['run', '-d', '--cgroup-parent', parent, 'busybox', 'sleep', '1000']);
    assert.ok(existsSync(join('/sys/fs/cgroup/memory', parent, id)));
    assert.equal(await ok(['inspect', '-f', '{{.HostConfig.CgroupParent}}', id]), parent);
    await ok(['rm', '-f', id]);
    assert.ok(!existsSync(join('/sys/fs/cgroup/memory', parent, id)));
  });
});
