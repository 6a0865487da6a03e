// stats, cp, diff, export, commit, system df/prune and exec -t against the real kernel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, readlink, stat, writeFile, chown, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');

let g: Gantry;
let id: string;
before(async () => {
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'x1', '-v', '/vol', 'busybox', 'sh', '-c', 'echo hi > /new; rm /etc/group; mkdir /d; echo f > /d/f; ln -s /etc /d/abs; ln -s ../../../../../etc/passwd /d/up; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  id = r.stdout.trim();
  for (let i = 0; i < 100 && (await g.run(['exec', 'x1', 'test', '-L', '/d/up'])).code !== 0; i++) await new Promise((res) => setTimeout(res, 50));
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

test('diff lists C/A/D lines like docker, without the engine-made mount points', async () => {
  const r = await g.run(['diff', 'x1']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  for (const l of ['C /etc', 'D /etc/group', 'A /new', 'A /d', 'A /d/f']) assert.ok(lines.includes(l), `${l} in ${r.stdout}`);
  assert.ok(!lines.some((l) => /\/etc\/(hosts|hostname|resolv\.conf)$|^A \/vol$/.test(l)), r.stdout);
});

test('stats --no-stream: docker columns, --format, --no-trunc', async () => {
  const r = await g.run(['stats', '--no-stream']);
  assert.equal(r.code, 0, r.stderr);
  const [header, row] = r.stdout.split('\n');
  assert.match(header!, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
  assert.match(row!, new RegExp(`^${id.slice(0, 12)}\\s+x1\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KMG]?i?B / [\\d.]+[KMG]i?B\\s+\\d+\\.\\d\\d%\\s+\\S+ / \\S+\\s+\\S+ / \\S+\\s+1$`));
  const f = await g.run(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.PIDs}}', 'x1']);
  assert.equal(f.stdout, `${id} x1 1\n`);
});

test('stats streams and redraws in place on a terminal', async () => {
  const watcher = spawn('script', ['-qc', `${GANTRY} --root ${g.root} --runroot ${g.runroot} stats x1`, '/dev/null'], { env: g.env });
  let out = '';
  watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 100 && (out.match(/CONTAINER ID/g) ?? []).length < 2; i++) await new Promise((res) => setTimeout(res, 100));
  watcher.kill('SIGKILL');
  await new Promise((res) => watcher.on('close', res));
  assert.ok((out.match(/CONTAINER ID/g) ?? []).length >= 2, out);
  assert.ok(out.includes('\x1b[2J\x1b[H'), 'clears the screen between frames');
});

test('cp out: files, directories, symlinks kept (or followed with -L) and resolved inside the container', async () => {
  const out = join(g.dir, 'cp-out');
  await mkdir(out);
  assert.equal((await g.run(['cp', 'x1:/d', out])).code, 0);
  assert.equal(await readFile(join(out, 'd', 'f'), 'utf8'), 'f\n');
  assert.equal(await readlink(join(out, 'd', 'abs')), '/etc');
  // A relative link climbing past the root lands on the container's /etc/passwd, not the host's.
  assert.equal((await g.run(['cp', '-L', 'x1:/d/up', join(out, 'passwd')])).code, 0);
  assert.equal(await readFile(join(out, 'passwd'), 'utf8'), (await g.run(['exec', 'x1', 'cat', '/etc/passwd'])).stdout);
  assert.equal((await g.run(['cp', 'x1:/d/abs/passwd', join(out, 'p2')])).code, 0);
  assert.equal(await readFile(join(out, 'p2'), 'utf8'), await readFile(join(out, 'passwd'), 'utf8'));
  // "-" writes a tar.
  const tar = spawnSync(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'cp', 'x1:/d', '-'], { env: g.env });
  const listing = execFileSync('tar', ['-t'], { input: tar.stdout }).toString().split('\n').sort();
  assert.deepEqual(listing.filter(Boolean), ['d/', 'd/abs', 'd/f', 'd/up']);
  const missing = await g.run(['cp', 'x1:/nope', out]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Could not find the file \/nope in container x1/);
});

test('cp in: ownership reset unless -a, through symlinks in scope, into volumes, tar on stdin', async () => {
  const src = join(g.dir, 'cp-in');
  await mkdir(src);
  await writeFile(join(src, 'file'), 'content\n');
  await chown(join(src, 'file'), 1234, 1234);
  await symlink('/etc/shadow', join(src, 'link'));
  assert.equal((await g.run(['cp', join(src, 'file'), 'x1:/tmp/'])).code, 0);
  assert.equal((await g.run(['cp', '-a', join(src, 'file'), 'x1:/tmp/kept'])).code, 0);
  assert.equal((await g.run(['exec', 'x1', 'stat', '-c', '%u:%g %n', '/tmp/file', '/tmp/kept'])).stdout, '0:0 /tmp/file\n1234:1234 /tmp/kept\n');
  // /d/abs -> /etc is followed inside the container.
  assert.equal((await g.run(['cp', join(src, 'file'), 'x1:/d/abs/copied'])).code, 0);
  assert.equal((await g.run(['exec', 'x1', 'cat', '/etc/copied'])).stdout, 'content\n');
  assert.equal((await g.run(['cp', src, 'x1:/vol/tree'])).code, 0);
  assert.equal((await g.run(['exec', 'x1', 'readlink', '/vol/tree/link'])).stdout, '/etc/shadow\n');
  const tar = execFileSync('tar', ['-C', src, '-c', 'file']);
  const piped = spawnSync(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'cp', '-', 'x1:/root'], { env: g.env, input: tar });
  assert.equal(piped.status, 0, piped.stderr.toString());
  assert.equal((await g.run(['exec', 'x1', 'cat', '/root/file'])).stdout, 'content\n');
  assert.notEqual((await g.run(['cp', join(src, 'file'), 'x1:/no/such/dir/'])).code, 0);
  // A read-only rootfs refuses, a rw volume in it accepts.
  const ro = await g.run(['run', '-d', '--read-only', '-v', '/w', 'busybox', 'sleep', '1000']);
  const refused = await g.run(['cp', join(src, 'file'), `${ro.stdout.trim()}:/x`]);
  assert.match(refused.stderr, /container rootfs is marked read-only/);
  assert.equal((await g.run(['cp', join(src, 'file'), `${ro.stdout.trim()}:/w/`])).code, 0);
  assert.equal((await g.run(['exec', ro.stdout.trim(), 'cat', '/w/file'])).stdout, 'content\n');
  await g.run(['rm', '-f', '-v', ro.stdout.trim()]);
});

test('cp works on a stopped container and leaves nothing mounted', async () => {
  const r = await g.run(['create', '--name', 'stopped1', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const f = join(g.dir, 'stopped-file');
  await writeFile(f, 'offline\n');
  assert.equal((await g.run(['cp', f, 'stopped1:/offline'])).code, 0);
  const back = join(g.dir, 'stopped-back');
  assert.equal((await g.run(['cp', 'stopped1:/offline', back])).code, 0);
  assert.equal(await readFile(back, 'utf8'), 'offline\n');
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  assert.ok(!mounts.includes(join(g.runroot, 'tmp')), 'no cp mount left');
  assert.equal((await g.run(['rm', 'stopped1'])).code, 0);
});

test('export writes the container filesystem; commit makes an image with the layer and changes', async () => {
  const tarPath = join(g.dir, 'export.tar');
  const e = await g.run(['export', '-o', tarPath, 'x1']);
  assert.equal(e.code, 0, e.stderr);
  const names = execFileSync('tar', ['-tf', tarPath]).toString().split('\n');
  assert.ok(names.some((n) => /^(\.\/)?new$/.test(n)), 'new file exported');
  assert.ok(!names.some((n) => /^(\.\/)?etc\/group$/.test(n)), 'deleted file not exported');
  assert.ok((await stat(tarPath)).size > 0);

  const c = await g.run(['commit', '-a', 'tester', '-m', 'snap', '-c', 'ENV COMMITTED=yes', 'x1', 'committed:v1']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal((await g.run(['inspect', '-f', '{{.Author}}|{{.Comment}}', 'committed:v1'])).stdout, 'tester|snap\n');
  const r = await g.run(['run', '--rm', 'committed:v1', 'sh', '-c', 'cat /new; echo $COMMITTED; test -e /etc/group || echo gone']);
  assert.equal(r.stdout, 'hi\nyes\ngone\n', r.stderr);
  // still running after the pause/unpause of the commit
  assert.equal((await g.run(['inspect', '-f', '{{.State.Status}}', 'x1'])).stdout, 'running\n');
});

test('exec: -u -w -e, exit codes, docker errors, -t under script, -d', async () => {
  const r = await g.run(['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'A=b', 'x1', 'sh', '-c', 'id -u; pwd; echo $A; exit 4']);
  assert.deepEqual([r.code, r.stdout], [4, '65534\n/tmp\nb\n']);
  const nf = await g.run(['exec', 'x1', 'no-such-binary']);
  assert.equal(nf.code, 126);
  assert.match(nf.stderr, /^OCI runtime exec failed: .*executable file not found in \$PATH/);
  assert.equal((await g.run(['exec', '-d', 'x1', 'sh', '-c', 'echo detached > /tmp/d'])).code, 0);
  for (let i = 0; i < 100 && (await g.run(['exec', 'x1', 'cat', '/tmp/d'])).stdout !== 'detached\n'; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal((await g.run(['exec', 'x1', 'cat', '/tmp/d'])).stdout, 'detached\n');
  const cmd = `${GANTRY} --root ${g.root} --runroot ${g.runroot} exec -it x1 sh -c 'tty; exit 5'`;
  const tty = spawnSync('script', ['-eqc', cmd, '/dev/null'], { env: g.env, input: '' });
  assert.equal(tty.status, 5, tty.stdout.toString());
  assert.match(tty.stdout.toString(), /\/dev\/pts\/\d+/);
  const interactive = spawnSync('script', ['-eqc', cmd.replace(`sh -c 'tty; exit 5'`, 'sh'), '/dev/null'], { env: g.env, input: 'echo in-$((40+2))\nexit 3\n' });
  assert.equal(interactive.status, 3);
  assert.match(interactive.stdout.toString(), /in-42/);

  const stopped = await g.run(['create', 'busybox', 'true']);
  const notRunning = await g.run(['exec', stopped.stdout.trim(), 'true']);
  assert.equal(notRunning.code, 1);
  assert.equal(notRunning.stderr, `Error response from daemon: container ${stopped.stdout.trim()} is not running\n`);
  await g.run(['rm', stopped.stdout.trim()]);
});

test('system df and system prune account for what GC sees', async () => {
  const df = await g.run(['system', 'df']);
  assert.equal(df.code, 0, df.stderr);
  const lines = df.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
  assert.match(lines[1]!, /^Images\s+2\s+1\s+\S+\s+\S+ \(\d+%\)$/);
  const total = (await g.run(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;
  const running = (await g.run(['ps', '-q'])).stdout.split('\n').filter(Boolean).length;
  assert.match(lines[2]!, new RegExp(`^Containers\\s+${total}\\s+${running}\\s+`));
  assert.match(lines[3]!, /^Local Volumes\s+1\s+1\s+/);
  assert.match(lines[4]!, /^Build Cache\s+0\s+0\s+0B\s+0B$/);
  const v = await g.run(['system', 'df', '-v']);
  assert.match(v.stdout, /Images space usage:\n\nREPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS\n/);
  assert.match(v.stdout, /Containers space usage:/);

  const done = await g.run(['run', '-d', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/blob bs=1k count=64 2>/dev/null']);
  await g.run(['wait', done.stdout.trim()]);
  const declined = await g.run(['system', 'prune'], 'n\n');
  assert.match(declined.stdout, /WARNING! This will remove:\n {2}- all stopped containers\n/);
  assert.equal((await g.run(['ps', '-aq', '--no-trunc'])).stdout.includes(done.stdout.trim()), true);
  const pr = await g.run(['system', 'prune', '-f']);
  assert.equal(pr.code, 0, pr.stderr);
  assert.match(pr.stdout, new RegExp(`Deleted Containers:\\n${done.stdout.trim()}\\n`));
  assert.match(pr.stdout, /Total reclaimed space: (6[0-9]|7[0-9])(\.\d+)?kB\n$/);
  // -a keeps images a container uses and removes the rest (committed:v1 from the commit test).
  const all = await g.run(['system', 'prune', '-af']);
  assert.match(all.stdout, /untagged: committed:v1/);
  assert.equal((await g.run(['images', '-q'])).stdout.trim().split('\n').length, 1);
});
