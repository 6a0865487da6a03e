// gantry run/create's --group-add, --cgroup-parent, --oom-score-adj and
// --security-opt seccomp=<file>, as docker's: supplementary groups by name (the image's
// /etc/group) or gid after the user's own, the container's cgroup under the
// parent (which stays, as docker leaves it), and a profile file sent as its JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

let g: Gantry;
const parent = `/gantry-cli-parent-${randomBytes(4).toString('hex')}/nested`;

before(async () => {
  g = await Gantry.create();
});
after(async () => {
  await g?.cleanup();
  // The parent the engine made, in every v1 hierarchy, deepest first.
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    for (const dir of [parent, parent.slice(0, parent.lastIndexOf('/'))]) {
      const path = join('/sys/fs/cgroup', controller, dir);
      if (existsSync(path)) rmdirSync(path);
    }
  }
  await removeRootfsCache();
});

const ok = async (args: string[]) => {
  const r = await g.run(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('--group-add: names from the image\'s /etc/group and gids, with the user\'s own groups; an unknown name fails the start', async () => {
  assert.equal((await ok(['run', '--rm', '--group-add', 'daemon', '--group-add', '4000', 'busybox', 'id'])).trim(), 'uid=0(root) gid=0(root) groups=1(daemon),10(wheel),4000');
  assert.equal((await ok(['run', '--rm', '-u', 'daemon', '--group-add', 'wheel', 'busybox', 'id'])).trim(), 'uid=1(daemon) gid=1(daemon) groups=10(wheel)');
  assert.match(await ok(['run', '--rm', '-u', '1000:2000', '--group-add', '3000', 'busybox', 'grep', '^Groups:', '/proc/self/status']), /^Groups:\s+3000\s*$/);
  // exec's processes get them too (the container's, and with -u).
  const id = (await ok(['run', '-d', '--group-add', '4000', 'busybox', 'sleep', '1000'])).trim();
  assert.match(await ok(['exec', id, 'id']), /groups=.*4000/);
  assert.match(await ok(['exec', '-u', 'nobody', id, 'id']), /^uid=65534\(nobody\) gid=65534\(nogroup\) groups=4000$/m);
  assert.equal((await ok(['inspect', '-f', '{{json .HostConfig.GroupAdd}}', id])).trim(), '["4000"]');
  await ok(['rm', '-f', id]);
  const bad = await g.run(['run', '--rm', '--group-add', 'nosuch', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unable to find group nosuch: no matching entries in group file/);
});

test('--cgroup-parent: the container\'s cgroup is <parent>/<id> while it runs, gone after it', async () => {
  const id = (await ok(['run', '-d', '--cgroup-parent', parent, 'busybox', 'sleep', '1000'])).trim();
  const dir = join('/sys/fs/cgroup/memory', parent, id);
  assert.ok(existsSync(dir), `${dir} exists`);
  assert.match(await ok(['exec', id, 'cat', '/proc/self/cgroup']), new RegExp(`^\\d+:memory:${parent}/${id}$`, 'm'));
  assert.equal((await ok(['inspect', '-f', '{{.HostConfig.CgroupParent}}', id])).trim(), parent);
  await ok(['rm', '-f', id]);
  assert.ok(!existsSync(dir), `${dir} is removed`);
  const bad = await g.run(['create', '--cgroup-parent', '/a/../b', 'busybox', 'true']);
  assert.equal(bad.code, 1, 'the engine\'s refusal, as docker create');
  assert.match(bad.stderr, /invalid cgroup parent "\/a\/\.\.\/b"/);
});

test('--oom-score-adj: the process\'s value; out of range is refused', async () => {
  const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  const higher = Math.min(1000, own + 200);
  assert.equal((await ok(['run', '--rm', '--oom-score-adj', String(higher), 'busybox', 'cat', '/proc/self/oom_score_adj'])).trim(), String(higher));
  const bad = await g.run(['run', '--rm', '--oom-score-adj', '1001', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
});

test('--security-opt seccomp=<file>: the profile\'s JSON goes to the engine and applies; a missing file is the CLI\'s error', async () => {
  const profile = join(g.dir, 'no-mkdir.json');
  const rules = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  await writeFile(profile, JSON.stringify(rules, null, 2));
  const r = await g.run(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'busybox', 'mkdir', '/made']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /can't create directory '\/made': Operation not permitted/);
  const id = (await ok(['create', '--security-opt', `seccomp=${profile}`, 'busybox', 'true'])).trim();
  assert.deepEqual(JSON.parse((await ok(['inspect', '-f', '{{json .HostConfig.SecurityOpt}}', id]))), [`seccomp=${JSON.stringify(rules)}`]);
  await ok(['rm', id]);
  const missing = await g.run(['run', '--rm', '--security-opt', `seccomp=${join(g.dir, 'missing.json')}`, 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /opening seccomp profile \(.*missing\.json\) failed/);
});
