import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCgroup } from '../../../src/runtime/cgroups/index.js';
import { bundle, makeEnv, newId, runCapture, skip, waitFor } from './harness.js';
import type { Env } from './harness.js';
import type { Hook } from '../../../src/oci/runtime-spec.js';

const isAlive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');

const RECVTTY = new URL('../../../../native/build/recvtty', import.meta.url).pathname;

/** Nothing of the container is left: state dir, cgroup, mounts of its bundle. */
async function assertNothingLeft(env: Env, id: string, bundleDir: string): Promise<void> {
  assert.ok(!readdirSync(env.root).includes(id), 'state directory removed');
  assert.equal(await openCgroup({ id }).exists(), false, 'cgroup removed');
  assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(bundleDir), 'no mount left');
}

describe('runtime hooks, console, user namespaces and cleanup', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  it('runs hooks in OCI order with the state on stdin', async () => {
    const b = bundle(env, ['true']);
    const log = join(b.rootfs, 'hooks.log');
    const hook = (name: string, file = log) => ({ path: '/bin/sh', args: ['sh', '-c', `read -r state; echo "${name} $(echo "$state" | grep -o '"status":"[a-z]*"') $(echo "$state" | grep -o '"pid":[0-9]*')" >> ${file}`] });
    b.spec.hooks = {
      prestart: [hook('prestart')],
      createRuntime: [hook('createRuntime')],
      createContainer: [hook('createContainer')],
      startContainer: [hook('startContainer', '/hooks.log')],
      poststart: [hook('poststart')],
      poststop: [hook('poststop')],
    };
    b.write();
    const id = newId(env);
    assert.equal(await env.rt.run({ id, bundle: b.dir }), 0);
    const names = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    assert.deepEqual(names, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    const pids = new Set(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[2]));
    assert.equal(pids.size, 1, 'every hook sees the same init pid');
    assert.match([...pids][0]!, /^"pid":[1-9]\d*$/);
    // the spec's states: the create step is done before prestart, the program runs from poststart on
    const statuses = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(statuses, ['prestart "status":"created"', 'createRuntime "status":"created"', 'createContainer "status":"created"',
      'startContainer "status":"created"', 'poststart "status":"running"', 'poststop "status":"stopped"']);
  });

  it('fails create on a failing prestart, createRuntime or createContainer hook and cleans up', async () => {
    const b = bundle(env, ['touch', '/ran']);
    for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
      b.spec.hooks = { [kind]: [{ path: '/bin/true' }, { path: '/bin/false' }] };
      b.write();
      const id = newId(env);
      await assert.rejects(env.rt.create({ id, bundle: b.dir }), new RegExp(`^GantryError: error running ${kind} hook #1: hook /bin/false: exit status 1$`));
      await assertNothingLeft(env, id, b.dir);
    }
    assert.ok(!existsSync(join(b.rootfs, 'ran')), 'the program never ran');
  });

  it('kills a hook at its timeout and fails create', async () => {
    const b = bundle(env, ['true']);
    const pidFile = join(b.dir, 'hook.pid');
    b.spec.hooks = { prestart: [{ path: '/bin/sh', args: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 100`], timeout: 1 }] };
    b.write();
    const id = newId(env);
    await assert.rejects(env.rt.create({ id, bundle: b.dir }), /error running prestart hook #0: hook \/bin\/sh timed out after 1s/);
    await assertNothingLeft(env, id, b.dir);
    assert.ok(!isAlive(Number(readFileSync(pidFile, 'utf8'))), 'the hook was killed');
  });

  it('fails start on a failing startContainer hook: the program does not run and the container is stopped', async () => {
    // no pid namespace: the hook's pid is a host pid, and only the timeout can have killed it
    const b = bundle(env, ['touch', '/ran'], (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'pid')));
    const pidFile = join(b.rootfs, 'hook.pid');
    const cases: [Hook, RegExp][] = [
      [{ path: '/bin/false' }, /^GantryError: error running startContainer hook #1: hook \/bin\/false: exit status 1$/],
      [{ path: '/bin/sh', args: ['sh', '-c', 'echo $$ > /hook.pid; exec sleep 100'], timeout: 1 }, /^GantryError: error running startContainer hook #1: hook \/bin\/sh timed out after 1s$/],
    ];
    for (const [hook, error] of cases) {
      b.spec.hooks = { startContainer: [{ path: '/bin/true' }, hook] };
      b.write();
      const id = newId(env);
      await env.rt.create({ id, bundle: b.dir });
      await assert.rejects(env.rt.start(id), error);
      assert.equal((await env.rt.state(id)).status, 'stopped');
      if (hook.timeout) assert.ok(!isAlive(Number(readFileSync(pidFile, 'utf8'))), 'the timed-out hook was killed');
      await env.rt.delete(id);
      await assertNothingLeft(env, id, b.dir);
    }
    assert.ok(!existsSync(join(b.rootfs, 'ran')), 'the program never ran');
  });

  it('warns about a failing poststart or poststop hook and goes on with the rest', async () => {
    const b = bundle(env, ['true']);
    const log = join(b.dir, 'hooks.log');
    const ok = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> ${log}`] });
    const slow = { path: '/bin/sleep', args: ['sleep', '100'], timeout: 1 };
    b.spec.hooks = { poststart: [{ path: '/bin/false' }, slow, ok('poststart')], poststop: [slow, { path: '/bin/false' }, ok('poststop')] };
    b.write();
    const id = newId(env);
    env.warnings.length = 0;
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    await waitFor(async () => (await env.rt.state(id)).status === 'stopped', 'the container to exit');
    await env.rt.delete(id);
    await assertNothingLeft(env, id, b.dir);
    assert.deepEqual(readFileSync(log, 'utf8').split('\n'), ['poststart', 'poststop', '']);
    assert.deepEqual(env.warnings, [
      'error running poststart hook #0: hook /bin/false: exit status 1',
      'error running poststart hook #1: hook /bin/sleep timed out after 1s',
      'error running poststop hook #0: hook /bin/sleep timed out after 1s',
      'error running poststop hook #1: hook /bin/false: exit status 1',
    ]);
  });

  it('cleans up after a missing executable or a bad mount', async () => {
    const b = bundle(env, ['/no/such/binary']);
    const id = newId(env);
    await assert.rejects(env.rt.create({ id, bundle: b.dir }), /executable file not found|no\/such\/binary/);
    await assertNothingLeft(env, id, b.dir);
    b.spec.process!.args = ['true'];
    b.spec.mounts!.push({ destination: '/bad', type: 'no-such-fs', source: 'none' });
    b.write();
    await assert.rejects(env.rt.create({ id, bundle: b.dir }), (e: Error) => e.message === 'mount none to /bad: ENODEV');
    await assertNothingLeft(env, id, b.dir);
  });

  it('sends the pty master over the console socket', async () => {
    const b = bundle(env, ['sh', '-c', 'tty; stty size; echo hello-tty'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 30, width: 100 };
    });
    const sock = join(b.dir, 'console.sock');
    const recv = spawn(RECVTTY, [sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    recv.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise((r) => recv.on('close', r));
    await new Promise<void>((resolve) => recv.stderr.setEncoding('utf8').on('data', (d: string) => ((err += d), err.includes('listening') && resolve())));
    const id = newId(env);
    try {
      assert.equal(await env.rt.run({ id, bundle: b.dir, consoleSocket: sock }), 0);
      await closed;
    } finally {
      recv.kill();
    }
    assert.match(err, /name \/dev\/pts\/\d+/);
    assert.match(out, /\/dev\/pts\/0/);
    assert.match(out, /30 100/);
    assert.match(out, /hello-tty/);
  });

  it('maps users into a new user namespace', async () => {
    const r = await runCapture(env, ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /bin/busybox | awk "{print \\$3}"'], (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    assert.equal(r.code, 0, r.out);
    const lines = r.out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0 100000 65536', '0 100000 65536', '0', '65534']);
  });

  it('keeps no process of a deleted container', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    const st = await env.rt.create({ id, bundle: b.dir });
    await env.rt.delete(id); // runc deletes created containers without --force
    assert.ok(!existsSync(`/proc/${st.pid}/cmdline`) || readFileSync(`/proc/${st.pid}/stat`, 'utf8').includes(') Z'));
    await assertNothingLeft(env, id, b.dir);
  });
});
