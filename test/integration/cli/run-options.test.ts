// docker's run/create options end to end (issue 9, "CLI habits"): --mount and
// --tmpfs seen from inside the container, named volumes filled from the image,
// mounts at / refused, a missing --device, ps filters, and every CLI failure as
// one line without a stack (a non-root caller, a garbage archive, a full disk).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, gantryForOtherUsers, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

const ok = async (args: string[]) => {
  const r = await g.run(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** The mountinfo line of `path` inside a container run with `flags`. */
async function mountinfo(flags: string[], path: string): Promise<string> {
  return (await ok(['run', '--rm', ...flags, 'busybox', 'sh', '-c', `grep ' ${path} ' /proc/self/mountinfo; stat -c 'mode=%a' ${path}`])).trim();
}

/** A one-line failure: the line, then docker's help pointer at most; never a JS stack frame. */
function assertOneLine(stderr: string, what: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `${what} printed a stack:\n${stderr}`);
  const lines = stderr.split('\n').filter((l) => l !== '' && !/^Run '.*--help' for more information$/.test(l) && !/served by pre-warmed worker/.test(l));
  assert.equal(lines.length, 1, `${what}:\n${stderr}`);
}

test('--mount type=tmpfs: tmpfs-size (with a unit) and tmpfs-mode reach the mount', async () => {
  const line = await mountinfo(['--mount', 'type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770'], '/t');
  assert.match(line, / \/t rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=1024k,mode=1770\b/);
  assert.match(line, /mode=1770$/);
  const ro = await mountinfo(['--mount', 'type=tmpfs,dst=/t,ro,tmpfs-size=2g'], '/t');
  assert.match(ro, / \/t ro,.* - tmpfs tmpfs ro,size=2097152k/);
  const tmpfs = await mountinfo(['--tmpfs', '/t:size=2m,mode=700,exec'], '/t');
  assert.match(tmpfs, / \/t rw,nosuid,nodev,relatime - tmpfs tmpfs rw,size=2048k,mode=700/, 'exec lifts the default noexec');
  const plain = await mountinfo(['--tmpfs', '/t'], '/t');
  assert.match(plain, / \/t rw,nosuid,nodev,noexec,relatime - tmpfs /);
  // docker lists --mount tmpfs in .Mounts, --tmpfs only in HostConfig.Tmpfs.
  const id = (await ok(['create', '--mount', 'type=tmpfs,dst=/a', '--tmpfs', '/b:size=1m', 'busybox', 'true'])).trim();
  assert.equal((await ok(['inspect', '-f', '{{json .Mounts}}', id])).trim(), '[{"Type":"tmpfs","Source":"","Destination":"/a","Mode":"","RW":true,"Propagation":""}]');
  assert.equal((await ok(['inspect', '-f', '{{json .HostConfig.Tmpfs}}', id])).trim(), '{"/b":"size=1m"}');
  await ok(['rm', id]);
  const bad = await g.run(['run', '--rm', '--tmpfs', '/t:bogus', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid tmpfs option \["bogus"\]/);
});

test('--mount type=bind and type=volume options; docker\'s errors for bad ones', async () => {
  const src = mkdtempSync(join(tmpdir(), 'gantry-bind-'));
  try {
    writeFileSync(join(src, 'f'), 'hello\n');
    const rw = await g.run(['run', '--rm', '--mount', `type=bind,src=${src},dst=/b,readonly`, 'busybox', 'sh', '-c', 'cat /b/f; touch /b/g']);
    assert.equal(rw.stdout, 'hello\n');
    assert.equal(rw.code, 1, 'readonly');
    // bind-propagation: from a shared source, rslave makes the container's mount its slave.
    execFileSync('mount', ['--bind', src, src]);
    try {
      execFileSync('mount', ['--make-shared', src]);
      assert.match(await mountinfo(['--mount', `type=bind,source=${src},target=/b,bind-propagation=rslave`], '/b'), / \/b rw,[^ ]* master:\d+ /);
      assert.doesNotMatch(await mountinfo(['--mount', `type=bind,source=${src},target=/b`], '/b'), / master:/, 'rprivate by default');
    } finally {
      execFileSync('umount', [src]);
    }
    // bind-nonrecursive: a mount below the source is not carried along.
    const sub = join(src, 'sub');
    mkdirSync(sub);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', sub]);
    try {
      const rec = await ok(['run', '--rm', '--mount', `type=bind,src=${src},dst=/b`, 'busybox', 'sh', '-c', 'grep -c " /b/sub " /proc/self/mountinfo || true']);
      const nonrec = await ok(['run', '--rm', '--mount', `type=bind,src=${src},dst=/b,bind-recursive=disabled`, 'busybox', 'sh', '-c', 'grep -c " /b/sub " /proc/self/mountinfo || true']);
      assert.deepEqual([rec.trim(), nonrec.trim()], ['1', '0']);
    } finally {
      execFileSync('umount', [sub]);
    }
    const missing = await g.run(['run', '--rm', '--mount', `type=bind,src=${src}/nope,dst=/b`, 'busybox', 'true']);
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr, `gantry: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${src}/nope\n\nRun 'gantry run --help' for more information\n`);
    // -v creates a missing source, as docker does.
    await ok(['run', '--rm', '-v', `${src}/made:/m`, 'busybox', 'true']);
    assert.ok(statSync(join(src, 'made')).isDirectory());
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  const flag = await g.run(['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-mode=9', 'busybox', 'true']);
  assert.equal(flag.code, 125);
  assert.match(flag.stderr, /^invalid argument "type=tmpfs,dst=\/t,tmpfs-mode=9" for "--mount" flag: invalid value for tmpfs-mode: 9\n/);
  const unknown = await g.run(['run', '--rm', '--mount', 'type=bogus,dst=/t', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /Error response from daemon: invalid mount config for type "bogus": mount type unknown/);
  const opt = await g.run(['run', '--rm', '-v', 'early:/e', '-v', '/anon', '--mount', 'src=optvol,dst=/d,volume-opt=foo=bar', 'busybox', 'true']);
  assert.equal(opt.code, 125);
  assert.match(opt.stderr, /Error response from daemon: invalid option: "foo"/);
  assert.equal((await ok(['volume', 'ls', '-q'])).trim(), '', 'a refused spec creates no volume');

  // The local driver's device options: the volume is that filesystem, filled from the image, unmounted when removed.
  const dev = await mountinfo(['--mount', 'src=tmpvol,dst=/etc,volume-opt=type=tmpfs,volume-opt=device=tmpfs,"volume-opt=o=size=2m,uid=5"'], '/etc');
  assert.match(dev, / \/etc rw,.* - tmpfs tmpfs rw,size=2048k,uid=5/);
  assert.match(await ok(['run', '--rm', '-v', 'tmpvol:/x', 'busybox', 'ls', '/x']), /^passwd$/m);
  const mountpoint = join(g.root, 'volumes', 'tmpvol', '_data');
  const mounted = () => execFileSync('cat', ['/proc/self/mountinfo']).toString().split('\n').some((l) => l.split(' ')[4] === mountpoint);
  assert.ok(mounted());
  await ok(['volume', 'rm', 'tmpvol']);
  assert.ok(!mounted(), 'volume rm unmounts');
  await ok(['volume', 'create', '-o', 'type=nosuchfs', '-o', 'device=x', 'badfs']);
  const badfs = await g.run(['run', '--rm', '-v', 'badfs:/x', 'busybox', 'true']);
  assert.equal(badfs.code, 125);
  assert.match(badfs.stderr, /^gantry: Error response from daemon: failed to mount local volume: mount --no-mtab -t nosuchfs x /);
  await ok(['volume', 'rm', 'badfs']);
});

test('-v and --mount: no mount at /, no relative or empty destinations', async () => {
  const root = await g.run(['run', '--rm', '-v', '/tmp:/', 'busybox', 'true']);
  assert.equal(root.code, 125);
  assert.equal(root.stderr, `gantry: Error response from daemon: invalid volume specification: '/tmp:/': invalid mount config for type "bind": invalid specification: destination can't be '/'\n\nRun 'gantry run --help' for more information\n`);
  const dots = await g.run(['run', '--rm', '-v', 'vol:/x/..', 'busybox', 'true']);
  assert.match(dots.stderr, /invalid mount config for type "volume": invalid specification: destination can't be '\/'/);
  const mount = await g.run(['run', '--rm', '--mount', 'type=bind,src=/tmp,dst=/', 'busybox', 'true']);
  assert.equal(mount.code, 125);
  assert.match(mount.stderr, /invalid mount config for type "bind": invalid specification: destination can't be '\/'/);
  const tmpfs = await g.run(['run', '--rm', '--tmpfs', '/', 'busybox', 'true']);
  assert.match(tmpfs.stderr, /Error response from daemon: invalid specification: destination can't be '\/'/);
  const rel = await g.run(['run', '--rm', '-v', '/tmp:rel', 'busybox', 'true']);
  assert.equal(rel.code, 125);
  assert.match(rel.stderr, /invalid volume specification: '\/tmp:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute/);
  const empty = await g.run(['run', '--rm', '-v', '/tmp::/x', 'busybox', 'true']);
  assert.equal(empty.code, 125);
  assert.equal(empty.stderr, `gantry: invalid spec: /tmp::/x: empty section between colons\n\nRun 'gantry run --help' for more information\n`);
  const dup = await g.run(['run', '--rm', '-v', '/tmp:/x', '--tmpfs', '/x', 'busybox', 'true']);
  assert.match(dup.stderr, /Duplicate mount point: \/x/);
  assert.equal((await g.run(['ps', '-aq'])).stdout, '', 'refused runs leave no container');
});

test('a new named volume is filled from the image path, keeping owners and modes; not with nocopy, not a used one, not a bind', async () => {
  await ok(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'true']);
  assert.match(await ok(['run', '--rm', '-v', 'etcvol:/x', 'busybox', 'ls', '/x']), /^passwd$/m);
  // An anonymous volume (-v /path, and an image VOLUME) is filled too.
  assert.match(await ok(['run', '--rm', '-v', '/etc', 'busybox', 'cat', '/etc/passwd']), /^root:/m);

  // Owners and modes: an image whose /data is 1234:5678 0750 holding a 0640 file.
  const dir = mkdtempSync(join(tmpdir(), 'gantry-owned-'));
  try {
    mkdirSync(join(dir, 'tree', 'data', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'data', 'file'), 'content\n');
    chmodSync(join(dir, 'tree', 'data'), 0o750);
    chmodSync(join(dir, 'tree', 'data', 'file'), 0o640);
    chownSync(join(dir, 'tree', 'data'), 1234, 5678);
    chownSync(join(dir, 'tree', 'data', 'file'), 1234, 5678);
    chownSync(join(dir, 'tree', 'data', 'sub'), 42, 43);
    execFileSync('tar', ['-C', join(dir, 'tree'), '--numeric-owner', '-cf', join(dir, 'owned.tar'), '.']);
    await ok(['import', join(dir, 'owned.tar'), 'owned:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await ok(['create', '-v', 'owned:/data', 'owned:1', 'true']);
  const data = join(g.root, 'volumes', 'owned', '_data');
  const st = (p: string) => {
    const s = statSync(p);
    return `${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`;
  };
  assert.deepEqual([st(data), st(join(data, 'file')), st(join(data, 'sub'))], ['750 1234:5678', '640 1234:5678', '755 42:43']);

  // A volume that already holds files is left as it is.
  await ok(['run', '--rm', '-v', 'kept:/k', 'busybox', 'sh', '-c', 'echo mine > /k/own']);
  assert.equal(await ok(['run', '--rm', '-v', 'kept:/etc', 'busybox', 'ls', '/etc']), 'own\n');
  // nocopy, as a -v mode and as a --mount option.
  await ok(['run', '--rm', '-v', 'nocopy1:/etc:nocopy', 'busybox', 'true']);
  await ok(['run', '--rm', '--mount', 'type=volume,src=nocopy2,dst=/etc,volume-nocopy', 'busybox', 'true']);
  assert.deepEqual([readdirSync(join(g.root, 'volumes', 'nocopy1', '_data')), readdirSync(join(g.root, 'volumes', 'nocopy2', '_data'))], [[], []]);
  // A bind mount's source is never written.
  const bind = mkdtempSync(join(tmpdir(), 'gantry-bind-'));
  try {
    await ok(['run', '--rm', '-v', `${bind}:/etc`, 'busybox', 'true']);
    assert.deepEqual(readdirSync(bind), []);
  } finally {
    rmSync(bind, { recursive: true, force: true });
  }
  await g.run(['rm', '-f', ...(await ok(['ps', '-aq'])).split('\n').filter(Boolean)]);
});

test('a missing --device fails as docker: its message, exit 127 (docker\'s CLI maps "no such file or directory" so), the container left created', async () => {
  const want = `gantry: Error response from daemon: error gathering device information while adding custom device "/dev/nonexistent": no such file or directory\n\nRun 'gantry run --help' for more information\n`;
  const fg = await g.run(['run', '--name', 'nodev1', '--device', '/dev/nonexistent', 'busybox', 'true']);
  assert.deepEqual([fg.code, fg.stderr], [127, want]);
  const bg = await g.run(['run', '-d', '--name', 'nodev2', '--device', '/dev/nonexistent', 'busybox', 'true']);
  assert.deepEqual([bg.code, bg.stderr, bg.stdout], [127, want, '']);
  assert.equal((await ok(['inspect', '-f', '{{.State.Status}}', 'nodev1', 'nodev2'])), 'created\ncreated\n');
  const rel = await g.run(['run', '--rm', '--device', '/dev/null:rel', 'busybox', 'true']);
  assert.deepEqual([rel.code, rel.stderr], [125, `gantry: rel is not an absolute path\n\nRun 'gantry run --help' for more information\n`]);
  assert.equal(await ok(['run', '--rm', '--device', '/dev/null:/dev/nil', 'busybox', 'sh', '-c', 'echo x > /dev/nil && echo ok']), 'ok\n');
  const file = await g.run(['run', '--rm', '--device', '/etc/hostname', 'busybox', 'true']);
  assert.deepEqual([file.code, file.stderr.split('\n')[0]], [125, 'gantry: Error response from daemon: error gathering device information while adding custom device "/etc/hostname": not a device node']);
  // A directory brings the device nodes under it, as docker's --device /dev/snd does.
  const dir = mkdtempSync(join(tmpdir(), 'gantry-devs-'));
  try {
    mkdirSync(join(dir, 'sub'));
    execFileSync('mknod', [join(dir, 'mynull'), 'c', '1', '3']);
    execFileSync('mknod', [join(dir, 'sub', 'myzero'), 'c', '1', '5']);
    writeFileSync(join(dir, 'plain'), '');
    const ls = await ok(['run', '--rm', '--device', `${dir}:/dev/mine`, 'busybox', 'sh', '-c', 'ls -R /dev/mine; head -c 3 /dev/mine/sub/myzero | od -An -c']);
    assert.match(ls, /mynull/);
    assert.match(ls, /myzero/);
    assert.doesNotMatch(ls, /plain/);
    assert.match(ls, /\\0\s+\\0\s+\\0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await ok(['rm', 'nodev1', 'nodev2']);
});

test('ps --filter: docker\'s keys and their errors', async () => {
  const older = (await ok(['create', '--name', 'f-older', '--label', 'tier=db', '-v', 'fvol:/data', 'busybox', 'true'])).trim();
  assert.equal((await g.run(['run', '--name', 'f-exited', '--label', 'tier=web', '--label', 'team', 'busybox', 'sh', '-c', 'exit 3'])).code, 3);
  const exited = (await ok(['inspect', '-f', '{{.Id}}', 'f-exited'])).trim();
  const running = (await ok(['run', '-d', '--name', 'f-running', '--label', 'tier=web', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
  const newer = (await ok(['create', '--name', 'f-newer', 'busybox', 'true'])).trim();
  const ps = async (...filters: string[]) => (await ok(['ps', '-a', '--format', '{{.Names}}', ...filters.flatMap((f) => ['-f', f])])).trim().split('\n').filter(Boolean);
  assert.deepEqual(await ps('before=f-running'), ['f-exited', 'f-older']);
  assert.deepEqual(await ps(`since=${exited.slice(0, 12)}`), ['f-newer', 'f-running']);
  assert.deepEqual(await ps('since=f-older', 'before=f-newer'), ['f-running', 'f-exited']);
  assert.deepEqual(await ps('status=exited'), ['f-exited']);
  assert.deepEqual(await ps('status=created', 'status=running'), ['f-newer', 'f-running', 'f-older']);
  assert.deepEqual(await ps('exited=3'), ['f-exited']);
  assert.deepEqual(await ps('exited=0'), []);
  assert.deepEqual(await ps('label=tier=web'), ['f-running', 'f-exited']);
  assert.deepEqual(await ps('label=tier'), ['f-running', 'f-exited', 'f-older']);
  assert.deepEqual(await ps('label=tier=web', 'label=team'), ['f-exited'], 'labels must all match');
  assert.deepEqual(await ps('name=f-r'), ['f-running'], 'a name filter is a pattern search');
  assert.deepEqual(await ps('name=^/?f-(older|newer)$'), ['f-newer', 'f-older']);
  assert.deepEqual(await ps(`id=${older.slice(0, 10)}`), ['f-older']);
  assert.deepEqual(await ps('volume=fvol'), ['f-older']);
  assert.deepEqual(await ps('volume=/data'), ['f-older']);
  assert.deepEqual(await ps('ancestor=busybox'), ['f-newer', 'f-running', 'f-exited', 'f-older']);
  assert.deepEqual(await ps('ancestor=no-such-image'), []);
  assert.deepEqual(await ps('health=none', 'status=running'), ['f-running']);
  assert.deepEqual(await ps('health=healthy'), []);
  assert.deepEqual(await ps('is-task=true'), []);
  assert.equal((await ps('is-task=false')).length, 4);
  assert.deepEqual(await ps('network=none'), ['f-running']);
  assert.deepEqual(await ps('publish=80', 'expose=8000-8080/udp'), []);
  // status implies -a, as in docker.
  assert.equal((await ok(['ps', '--format', '{{.Names}}', '-f', 'status=exited'])).trim(), 'f-exited');
  assert.equal((await ok(['ps', '--format', '{{.Names}}'])).trim(), 'f-running');

  const errors: [string, number, string][] = [
    ['status=bogus', 1, "Error response from daemon: invalid filter 'status=bogus': invalid value for state (bogus): must be one of created, running, paused, restarting, removing, exited, dead\n"],
    ['foo=1', 1, "Error response from daemon: invalid filter 'foo'\n"],
    ['exited=x', 1, `Error response from daemon: invalid filter 'exited=x': strconv.Atoi: parsing "x": invalid syntax\n`],
    ['health=sick', 1, "Error response from daemon: invalid filter 'health=sick': invalid value for health (sick): must be one of none, starting, healthy, unhealthy\n"],
    ['is-task=maybe', 1, "Error response from daemon: invalid filter 'is-task=[maybe]'\n"],
    ['before=nope', 1, 'Error response from daemon: No such container: nope\n'],
    ['publish=80:80', 1, "Error response from daemon: filter for 'publish' should not contain ':': 80:80\n"],
    ['foo', 125, `invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)\nSee 'gantry ps --help'.\n`],
  ];
  for (const [filter, code, stderr] of errors) {
    const r = await g.run(['ps', '-f', filter]);
    assert.deepEqual([r.code, r.stderr.replace(/^gantry: served by.*\n/m, '')], [code, stderr], filter);
  }
  await ok(['rm', '-f', older, exited, running, newer]);
});

test('failures print one line, no stack: a non-root caller, a garbage archive, a full disk', async (t) => {
  // A non-root user against a root-owned store.
  await ok(['volume', 'create', 'rootvol']);
  const home = mkdtempSync(join(tmpdir(), 'gantry-home-'));
  chmodSync(home, 0o777);
  // The user must reach the store's directories to be refused inside them (the harness's temp dir is 0700).
  chmodSync(g.dir, 0o755);
  try {
    for (const args of [['images'], ['run', '--rm', 'busybox', 'true'], ['pull', 'busybox'], ['load', '-i', '/dev/null'], ['volume', 'rm', 'rootvol']]) {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', gantryForOtherUsers(), '--root', g.root, '--runroot', g.runroot, ...args], { env: { ...g.env, HOME: home }, encoding: 'utf8' });
      const what = `non-root ${args.join(' ')}`;
      assert.notEqual(r.status, 0, what);
      assert.equal(r.status, args[0] === 'run' ? 126 : 1, `${what}: ${r.stderr}`);
      assertOneLine(r.stderr, what);
      assert.match(r.stderr, /permission denied/, what);
    }
  } finally {
    chmodSync(g.dir, 0o700);
    rmSync(home, { recursive: true, force: true });
  }

  const garbage = join(g.dir, 'garbage.tar');
  writeFileSync(garbage, Buffer.alloc(64 * 1024, 0x5a));
  const load = await g.run(['load', '-i', garbage]);
  assert.equal(load.code, 1);
  assertOneLine(load.stderr, 'load of garbage');
  const missing = await g.run(['load', '-i', join(g.dir, 'no-such.tar')]);
  assert.deepEqual([missing.code, missing.stderr.replace(/^gantry: served by.*\n/m, '')], [1, `gantry: open ${join(g.dir, 'no-such.tar')}: no such file or directory\n`]);

  // A store on a 1 MiB tmpfs, and an image bigger than that.
  const tiny = join(g.dir, 'tiny');
  mkdirSync(tiny);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]);
  t.after(() => execFileSync('umount', ['-l', tiny]));
  const big = join(g.dir, 'big.tar');
  const tree = join(g.dir, 'big');
  mkdirSync(tree);
  writeFileSync(join(tree, 'blob'), Buffer.alloc(3 * 1024 * 1024, 1));
  execFileSync('tar', ['-C', tree, '-cf', big, '.']);
  await ok(['import', big, 'big:1']);
  const saved = join(g.dir, 'big-image.tar');
  await ok(['save', '-o', saved, 'big:1']);
  for (const args of [['import', big, 'big:1'], ['load', '-i', saved]]) {
    const r = spawnSync(GANTRY, ['--root', join(tiny, 'root'), '--runroot', join(tiny, 'run'), ...args], { env: g.env, encoding: 'utf8' });
    const what = `full disk: ${args[0]}`;
    assert.equal(r.status, 1, `${what}: ${r.stderr}`);
    assertOneLine(r.stderr, what);
    assert.match(r.stderr, /no space left on device/, what);
  }
});
