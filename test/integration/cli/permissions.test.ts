// Gantry's state is root's alone: an unprivileged host user can reach neither a
// running container's rootfs view (setuid binaries, device nodes) nor its
// records (Env with secrets), logs or bundle, nor the image blobs; roots left
// group/world-accessible by older versions are tightened; and the CLI run by
// such a user says so in one line instead of a stack trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Gantry, gantryForOtherUsers, removeRootfsCache } from './gantry-harness.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

let g: Gantry;
let id: string;
before(async () => {
  g = await Gantry.create();
  // as /var/lib and /run are: only Gantry's own directories may stop other users
  await chmod(g.dir, 0o755);
  const r = await g.run(['run', '-d', '--name', 'secretive', '-e', 'API_TOKEN=s3cret', 'busybox', 'sh', '-c', 'echo logged; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  id = r.stdout.trim();
});
after(async () => {
  await g?.cleanup();
  await removeRootfsCache();
});

/** Runs argv as uid/gid 65534 with no groups. */
const asNobody = (argv: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync('setpriv', [...NOBODY, ...argv], { env, encoding: 'utf8' });

test('an unprivileged user cannot reach a running container rootfs, config, bundle, logs or image blobs', async () => {
  const rootfs = join(g.runroot, 'containers', id.slice(0, 12), 'rootfs');
  assert.ok((await readdir(join(rootfs, 'bin'))).includes('sh'), 'the rootfs view is mounted');
  const blobs = join(g.root, 'content', 'blobs', 'sha256');
  const blob = join(blobs, (await readdir(blobs))[0]!);
  const paths = [
    rootfs,
    join(rootfs, 'bin', 'sh'),
    join(g.root, 'containers', id, 'config.v2.json'),
    join(g.root, 'containers', id, `${id}-json.log`),
    join(g.runroot, 'containers', id.slice(0, 12), 'config.json'),
    join(g.runroot, 'runtime', id, 'state.json'),
    join(g.root, 'snapshots'), // the image layers, with their setuid binaries
    blob,
  ];
  for (const p of paths) {
    const r = asNobody(['cat', p]);
    assert.notEqual(r.status, 0, `nobody read ${p}`);
    assert.match(r.stderr, /Permission denied/, `${p}: ${r.stderr}`);
  }
  // the setuid route of the report: executing anything in the view fails before the kernel looks at its mode
  // (through the host's sh: setpriv itself still holds root's capabilities at its execve)
  const exec = asNobody(['sh', '-c', `exec ${join(rootfs, 'bin', 'sh')} -c 'id -u'`]);
  assert.notEqual(exec.status, 0, `nobody ran the container's sh: ${exec.stdout}`);
  assert.equal(exec.stdout, '');
  for (const dir of [g.root, g.runroot, join(g.runroot, 'runtime')]) assert.equal((await stat(dir)).mode & 0o777, 0o700, dir);
  assert.equal((await stat(join(g.root, 'containers', id, 'config.v2.json'))).mode & 0o777, 0o600);
});

test('roots an older version left 0755 are tightened at the next command', async () => {
  for (const dir of [g.root, g.runroot]) await chmod(dir, 0o755);
  const r = await g.run(['ps', '-q']);
  assert.equal(r.code, 0, r.stderr);
  for (const dir of [g.root, g.runroot]) assert.equal((await stat(dir)).mode & 0o777, 0o700, dir);
});

test("a non-root user running the CLI on root's store gets one clear line, not a stack trace", () => {
  for (const prewarm of ['0', '1']) {
    for (const args of [['inspect', 'secretive'], ['ps'], ['exec', 'secretive', 'true'], ['history', 'busybox']]) {
      const r = asNobody([gantryForOtherUsers(), '--root', g.root, '--runroot', g.runroot, ...args], { ...process.env, GANTRY_PREWARM: prewarm });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `Error response from daemon: permission denied while trying to open the Gantry store at ${g.root} (owned by uid 0, mode 0700): run gantry as its owner (root)\n`,
        args.join(' '),
      );
      assert.doesNotMatch(r.stderr, /s3cret/);
    }
  }
});
