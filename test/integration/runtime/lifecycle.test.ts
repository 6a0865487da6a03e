import { strict as assert } from 'node:assert';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorCode } from '../../../src/errdefs/index.js';
import { openCgroup } from '../../../src/runtime/cgroups/index.js';
import { openRuntime } from '../../../src/runtime/index.js';
import { bundle, makeEnv, newId, runCapture, skip, waitFor } from './harness.js';
import type { Env } from './harness.js';

describe('runtime lifecycle', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('runs a process and returns its exit code', async () => {
    const r = await runCapture(env, ['sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.out, 'hello\n');
    assert.deepEqual(await env.rt.list(), [], 'run without keep deletes the container');
  });

  it('create, start, state, kill and delete follow runc', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    const created = await env.rt.create({ id, bundle: b.dir, pidFile: join(b.dir, 'init.pid') });
    assert.equal(created.status, 'created');
    assert.equal(created.bundle, b.dir);
    assert.equal(readFileSync(join(b.dir, 'init.pid'), 'utf8'), String(created.pid));
    assert.ok(existsSync(join(env.root, id, 'exec.fifo')));
    assert.match(created.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

    await assert.rejects(env.rt.create({ id, bundle: b.dir }), (e: Error) => e.message === `container with id exists: ${id}` && errorCode(e) === 'already-exists');
    await assert.rejects(env.rt.start('nope'), (e: Error) => e.message.includes('does not exist') && errorCode(e) === 'not-found');

    await env.rt.start(id);
    const running = await env.rt.state(id);
    assert.equal(running.status, 'running');
    assert.equal(running.pid, created.pid);
    assert.ok(!existsSync(join(env.root, id, 'exec.fifo')));
    assert.deepEqual((await env.rt.list()).map((s) => s.id), [id]);
    assert.ok((await env.rt.pids(id)).includes(created.pid));

    await assert.rejects(env.rt.start(id), /cannot start an already running container/);
    await assert.rejects(env.rt.delete(id), (e: Error) => e.message === `cannot delete container ${id} that is not stopped: running`);

    await env.rt.kill(id, 9);
    await waitFor(async () => (await env.rt.state(id)).status === 'stopped', 'stopped');
    await assert.rejects(env.rt.kill(id, 15), (e: Error) => e.message === 'container not running' && errorCode(e) === 'failed-precondition');
    await assert.rejects(env.rt.start(id), /cannot start a container that has stopped/);
    await assert.rejects(env.rt.exec(id, { process: { args: ['true'], cwd: '/', user: { uid: 0, gid: 0 } } }), /container not running/);
    await env.rt.delete(id);
    assert.ok(!existsSync(join(env.root, id)));
    await assert.rejects(env.rt.state(id), /does not exist/);
    await env.rt.delete(id, { force: true }); // tolerated
  });

  it('reports 128+signal when the container is killed', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    const code = env.rt.run({ id, bundle: b.dir });
    await waitFor(async () => (await env.rt.list()).some((s) => s.id === id && s.status === 'running'), 'running');
    await env.rt.kill(id, 9);
    assert.equal(await code, 137);
  });

  it('sets hostname, domainname, user, groups, caps and no_new_privs', async () => {
    const r = await runCapture(env, ['sh', '-c', 'hostname; cat /proc/sys/kernel/domainname; id -u; id -g; id -G; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; pwd; echo $FOO'], (s) => {
      s.hostname = 'box1';
      s.domainname = 'example.org';
      s.process!.user = { uid: 1000, gid: 1001, additionalGids: [10, 20] };
      s.process!.cwd = '/tmp';
      s.process!.env!.push('FOO=bar');
      s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'], inheritable: ['CAP_KILL'] };
    });
    assert.equal(r.code, 0, r.out);
    const lines = r.out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 5), ['box1', 'example.org', '1000', '1001', '1001 10 20']);
    assert.match(r.out, /CapEff:\s+0000000000000020/);
    assert.match(r.out, /CapBnd:\s+0000000000000021/);
    assert.match(r.out, /NoNewPrivs:\s+1/);
    assert.deepEqual(lines.slice(-2), ['/tmp', 'bar']);
  });

  it('leaks no runtime fd into the container', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    const outFile = join(b.dir, 'fds.out');
    const fd = openSync(outFile, 'w');
    try {
      // another process lists the init's fds (the lister's own would show up in /proc/self/fd)
      const r = await env.rt.exec(id, { process: { args: ['ls', '/proc/1/fd'], cwd: '/', user: { uid: 0, gid: 0 } }, stdio: [0, fd, fd] });
      assert.equal(r.exitCode, 0);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(outFile, 'utf8').trim().split(/\s+/).join(' '), '0 1 2');
    await env.rt.delete(id, { force: true });
  });

  it('runs exec in the container and returns output and exit code', async () => {
    const b = bundle(env, ['sleep', '1000'], (s) => (s.hostname = 'exechost'));
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    const outFile = join(b.dir, 'exec.out');
    const fd = openSync(outFile, 'w');
    try {
      const r = await env.rt.exec(id, { process: { args: ['sh', '-c', 'hostname; echo $X; exit 7'], env: ['X=y'], cwd: '/', user: { uid: 0, gid: 0 } }, stdio: [0, fd, fd] });
      assert.equal(r.exitCode, 7);
      assert.equal(readFileSync(outFile, 'utf8'), 'exechost\ny\n');
      const d = await env.rt.exec(id, { process: { args: ['sleep', '1000'], cwd: '/', user: { uid: 0, gid: 0 } }, detach: true });
      assert.equal(d.exitCode, undefined);
      assert.ok((await env.rt.pids(id)).includes(d.pid));
    } finally {
      closeSync(fd);
    }
    await env.rt.pause(id);
    assert.equal((await env.rt.state(id)).status, 'paused');
    await assert.rejects(env.rt.exec(id, { process: { args: ['true'], cwd: '/', user: { uid: 0, gid: 0 } } }), /paused/);
    await env.rt.resume(id);
    assert.equal((await env.rt.state(id)).status, 'running');
    await assert.rejects(env.rt.resume(id), /container not paused/);
    await env.rt.delete(id, { force: true });
    assert.ok(!existsSync(join(env.root, id)));
  });

  it('serializes concurrent operations on one container (updates merge; start and delete race cleanly)', async () => {
    const b = bundle(env, ['sleep', '30']);
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir, stdio: [0, 1, 2] });
    await Promise.all([env.rt.update(id, { pids: { limit: 50 } }), env.rt.update(id, { memory: { limit: 64 * 1024 * 1024 } })]);
    const stored = JSON.parse(readFileSync(join(env.root, id, 'state.json'), 'utf8')) as { config: { linux: { resources: { pids?: object; memory?: object } } } };
    assert.deepEqual(stored.config.linux.resources.pids, { limit: 50 });
    assert.deepEqual(stored.config.linux.resources.memory, { limit: 64 * 1024 * 1024 });
    const [started, deleted] = await Promise.allSettled([env.rt.start(id), env.rt.delete(id, { force: true })]);
    assert.equal(deleted.status, 'fulfilled');
    // the start either went first or found the container gone, with runc's text
    if (started.status === 'rejected') assert.match((started.reason as Error).message, /does not exist/);
    assert.ok(!existsSync(join(env.root, id)));
  });

  it('rejects a bad config naming the field and leaves no state', async () => {
    const b = bundle(env, ['true'], (s) => ((s.process!.user as unknown as { uid: string }).uid = 'root'));
    const id = newId(env);
    await assert.rejects(env.rt.create({ id, bundle: b.dir }), (e: Error) => e.message === 'config.json: process.user.uid: expected an integer' && errorCode(e) === 'invalid-argument');
    assert.deepEqual(readdirSync(env.root).filter((d) => d === id), []);
  });

  it('a create failing inside the helper leaves no state, cgroup, process or host mount', async () => {
    const b = bundle(env, ['true'], (s) => s.mounts!.push({ destination: '/data', type: 'bind', source: '/nonexistent-gantry-source', options: ['rbind'] }));
    const id = newId(env);
    // Only mounts of this container count: other test files run beside this one.
    const ours = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(b.dir) || l.includes(env.root) || l.includes(id));
    const mountsBefore = ours();
    await assert.rejects(env.rt.create({ id, bundle: b.dir }), /nonexistent-gantry-source.*ENOENT|ENOENT.*nonexistent-gantry-source/);
    assert.ok(!existsSync(join(env.root, id)), 'state directory removed');
    // rmdir succeeds only once no process is left in it
    assert.ok(!(await openCgroup({ id }).exists()), 'cgroup removed (so no process is left in it)');
    assert.deepEqual(ours(), mountsBefore, 'no mount left on the host');
  });

  it('places the container under a systemd-style cgroupsPath and removes the scope on delete', async () => {
    const rt = openRuntime({ root: env.root, systemdCgroup: true });
    const id = newId(env);
    const b = bundle(env, ['sleep', '30'], (s) => (s.linux!.cgroupsPath = `gantrytest.slice:gantry:${id}`));
    const scope = `/gantrytest.slice/gantry-${id}.scope`;
    try {
      const { pid } = await rt.create({ id, bundle: b.dir, stdio: [0, 1, 2] });
      assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`:memory:${scope.replaceAll('.', '\\.')}\n`));
      await rt.delete(id, { force: true });
      assert.ok(!(await openCgroup({ id, cgroupsPath: `gantrytest.slice:gantry:${id}`, systemd: true }).exists()), 'scope removed');
    } finally {
      await rt.delete(id, { force: true }).catch(() => undefined);
      await openCgroup({ id: 'slice', cgroupsPath: '/gantrytest.slice' }).destroy().catch(() => undefined);
    }
  });
});
