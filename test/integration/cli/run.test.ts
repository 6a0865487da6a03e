import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

let g: Gantry;
before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

test('run --rm prints output and returns the exit code', async () => {
  const r = await g.run(['run', '--rm', 'busybox', 'echo', 'hello']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'hello\n');
  assert.equal(r.code, 0);
  assert.equal((await g.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo err >&2; exit 7'])).code, 7);
  assert.equal((await g.run(['ps', '-aq'])).stdout, '');
});

test('docker exit codes: 127 not found, 125 unknown flag and missing image', async () => {
  const nf = await g.run(['run', '--rm', 'busybox', 'no-such-binary']);
  assert.equal(nf.code, 127);
  const flag = await g.run(['run', '--bogus', 'busybox']);
  assert.equal(flag.code, 125);
  assert.match(flag.stderr, /unknown flag: --bogus/);
  const img = await g.run(['run', '--rm', '--pull', 'never', 'no-such-image', 'true']);
  assert.equal(img.code, 125);
  const mem = await g.run(['run', '--rm', '--memory', 'lots', 'busybox', 'true']);
  assert.equal(mem.code, 125);
  // (--env-file with a missing file is not tested here: Node 20 itself parses
  // --env-file anywhere on its command line and exits 9 before gantry runs.)
  assert.equal((await g.run(['ps', '-aq'])).stdout, '');
});

test('detached lifecycle: ps, logs, exec, stop, start, kill, inspect, rm', async () => {
  const r = await g.run(['run', '-d', '--name', 'web1', '-e', 'FOO=bar', 'busybox', 'sh', '-c', 'echo started; echo $FOO; exec sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await g.run(['ps']);
  assert.match(ps.stdout.split('\n')[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  assert.match(ps.stdout, new RegExp(`${id.slice(0, 12)}\\s+busybox\\s+"sh -c 'echo started…"\\s+.*\\s+Up .*web1`));
  const conflict = await g.run(['run', '-d', '--name', 'web1', 'busybox', 'true']);
  assert.equal(conflict.code, 125);
  assert.match(conflict.stderr, new RegExp(`Conflict. The container name "/web1" is already in use by container "${id}". You have to remove \\(or rename\\) that container to be able to reuse that name.`));
  for (let i = 0; i < 50 && !(await g.run(['logs', 'web1'])).stdout.includes('bar'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await g.run(['logs', 'web1'])).stdout, 'started\nbar\n');
  const ex = await g.run(['exec', 'web1', 'sh', '-c', 'echo $FOO; exit 3']);
  assert.equal(ex.stdout, 'bar\n');
  assert.equal(ex.code, 3);
  const inspect = JSON.parse((await g.run(['inspect', 'web1'])).stdout) as Record<string, unknown>[];
  const c = inspect[0]!;
  for (const key of ['Id', 'Created', 'Path', 'Args', 'State', 'Image', 'Name', 'RestartCount', 'Config', 'HostConfig', 'Mounts', 'NetworkSettings', 'LogPath']) assert.ok(key in c, key);
  const state = c.State as Record<string, unknown>;
  assert.equal(state.Status, 'running');
  assert.equal(state.Running, true);
  assert.equal(typeof state.Pid, 'number');
  assert.equal(c.Name, '/web1');
  assert.equal(c.Path, 'sh');
  assert.equal((await g.run(['stop', '-t', '1', 'web1'])).stdout, 'web1\n');
  assert.equal((await g.run(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web1'])).stdout, 'exited 137\n');
  assert.equal((await g.run(['wait', 'web1'])).stdout, '137\n');
  const started = await g.run(['start', 'web1']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal((await g.run(['kill', 'web1'])).code, 0);
  assert.equal((await g.run(['wait', 'web1'])).stdout, '137\n');
  assert.match((await g.run(['ps', '-a', '--filter', 'exited=137', '--format', '{{.Names}} {{.Status}}'])).stdout, /^web1 Exited \(137\)/);
  assert.equal((await g.run(['rm', 'web1'])).code, 0);
  assert.equal((await g.run(['inspect', 'web1'])).code, 1);
});

test('create then start, and rm refuses a running container without -f', async () => {
  const id = (await g.run(['create', '--name', 'c2', 'busybox', 'sleep', '100'])).stdout.trim();
  assert.equal((await g.run(['inspect', '-f', '{{.State.Status}}', id])).stdout, 'created\n');
  assert.equal((await g.run(['start', 'c2'])).code, 0);
  const rm = await g.run(['rm', 'c2']);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /container is running: stop the container before removing or force remove/);
  assert.equal((await g.run(['rm', '-f', 'c2'])).code, 0);
  assert.equal((await g.run(['ps', '-aq'])).stdout, '');
});

test('volumes, user, workdir, env and read-only root', async () => {
  assert.equal((await g.run(['volume', 'create', 'data1'])).stdout, 'data1\n');
  const w = await g.run(['run', '--rm', '-v', 'data1:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal((await g.run(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'cat', '/data/f'])).stdout, 'kept\n');
  const ro = await g.run(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'touch', '/data/g']);
  assert.notEqual(ro.code, 0);
  const id = await g.run(['run', '--rm', '-u', 'nobody', '-w', '/tmp', 'busybox', 'sh', '-c', 'id -u; pwd']);
  assert.equal(id.stdout, '65534\n/tmp\n');
  assert.equal((await g.run(['run', '--rm', '--read-only', 'busybox', 'touch', '/x'])).code, 1);
  const hn = await g.run(['run', '--rm', '--hostname', 'box1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; grep -c box1 /etc/hosts']);
  assert.equal(hn.stdout, 'box1\nbox1\n1\n');
  const caps = await g.run(['run', '--rm', 'busybox', 'grep', 'CapEff', '/proc/self/status']);
  assert.equal(caps.stdout.trim(), 'CapEff:\t00000000a80425fb');
  const bad = await g.run(['run', '--rm', '-v', 'a:b:c:d', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match((await g.run(['volume', 'ls', '-q'])).stdout, /data1/);
  assert.equal((await g.run(['volume', 'rm', 'data1'])).code, 0);
});

test('restart policy on-failure restarts with back-off and counts restarts', async () => {
  const id = (await g.run(['run', '-d', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3'])).stdout.trim();
  let count = 0;
  for (let i = 0; i < 100; i++) {
    const out = (await g.run(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', id])).stdout.trim();
    count = Number(out.split(' ')[0]);
    if (out === '2 exited') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(count, 2);
  await g.run(['rm', '-f', id]);
});

test('20 parallel run -d with the same few names never share a name', async () => {
  const names = ['p1', 'p2', 'p3', 'p4'];
  const runs = Array.from({ length: 20 }, (_, i) => g.run(['run', '-d', '--name', names[i % 4]!, 'busybox', 'sleep', '100']));
  const mixed = [g.run(['ps', '-a']), g.run(['rm', '-f', 'p1'])];
  const results = await Promise.all([...runs, ...mixed]);
  const ok = results.slice(0, 20).filter((r) => r.code === 0);
  assert.ok(ok.length >= 4 && ok.length <= 5, `winners: ${ok.length}`);
  for (const r of results.slice(0, 20).filter((x) => x.code !== 0)) assert.match(r.stderr, /Conflict. The container name/);
  const listed = (await g.run(['ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
  assert.equal(new Set(listed).size, listed.length);
  await g.run(['rm', '-f', ...listed]);
  assert.equal((await g.run(['ps', '-aq'])).stdout, '');
});
