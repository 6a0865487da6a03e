import { strict as assert } from 'node:assert';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundle, makeEnv, newId, skip, waitFor } from './harness.js';
import type { Env } from './harness.js';
import { openCgroup } from '../../../src/runtime/cgroups/index.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';

const root = { uid: 0, gid: 0 };
const MONITOR = new URL('../../../../native/build/gantry-monitor', import.meta.url).pathname;

describe('runtime launch options', { skip }, () => {
  let env: Env;
  before(() => (env = makeEnv()));
  after(() => env.cleanup());

  /** Runs to completion with stdout/stderr in a file; returns [exit code, output]. */
  async function run(args: string[], opts: { tweak?: Parameters<typeof bundle>[2]; noPivot?: boolean; preserve?: number; wrapper?: string[] } = {}): Promise<[number, string]> {
    const b = bundle(env, args, opts.tweak);
    const id = newId(env);
    const outFile = join(b.dir, 'out');
    const fd = openSync(outFile, 'w');
    try {
      const code = await env.rt.run({ id, bundle: b.dir, stdio: [0, fd, fd], noPivot: opts.noPivot, preserveFds: opts.preserve });
      return [code, readFileSync(outFile, 'utf8')];
    } finally {
      closeSync(fd);
    }
  }

  const lsmSkip = existsSync('/sys/kernel/security/apparmor') || existsSync('/sys/fs/selinux/enforce') ? 'this host has AppArmor or SELinux' : false;
  it('refuses an AppArmor profile or SELinux label on a host without them and leaves nothing; a mount label runs', { skip: lsmSkip }, async () => {
    const cases: [(s: Spec) => void, RegExp][] = [
      [(s) => (s.process!.apparmorProfile = 'acme_secure_profile'), /^unable to apply apparmor profile "acme_secure_profile": AppArmor is not enabled on this host$/],
      [(s) => (s.process!.selinuxLabel = 'system_u:system_r:svirt_lxc_net_t:s0:c124,c675'), /^selinux label is specified in config, but selinux is disabled or not supported$/],
    ];
    for (const [tweak, error] of cases) {
      const b = bundle(env, ['touch', '/ran'], tweak);
      const id = newId(env);
      await assert.rejects(env.rt.create({ id, bundle: b.dir }), (e: Error) => error.test(e.message));
      await assert.rejects(env.rt.state(id), /does not exist/);
      assert.equal(await openCgroup({ id }).exists(), false);
      assert.ok(!existsSync(join(b.rootfs, 'ran')));
    }
    const [code, out] = await run(['echo', 'labelled'], { tweak: (s) => (s.linux!.mountLabel = 'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811') });
    assert.equal(code, 0, out);
    assert.equal(out, 'labelled\n');
  });

  it('chroots instead of pivoting with noPivot', async () => {
    const [code, out] = await run(['sh', '-c', 'ls /bin/busybox && cat /proc/self/mountinfo | wc -l'], { noPivot: true });
    assert.equal(code, 0, out);
    assert.match(out, /^\/bin\/busybox\n\d+\n$/);
  });

  it('passes preserved fds as 3.. to the process', async () => {
    const b = bundle(env, ['sh', '-c', 'cat <&3; ls /proc/$$/fd | grep -c "^3$"']);
    const data = join(b.dir, 'data');
    writeFileSync(data, 'preserved\n');
    // the caller's fd 3 is what gets preserved: point it at the data file for the duration
    const outFile = join(b.dir, 'out');
    const out = openSync(outFile, 'w');
    const id = newId(env);
    const { spawnSync } = await import('node:child_process');
    // node cannot pick fd numbers for itself, so run the check through a child that has fd 3 open
    const script = `
      import { openRuntime } from ${JSON.stringify(new URL('../../../src/runtime/index.js', import.meta.url).href)};
      const rt = openRuntime({ root: ${JSON.stringify(env.root)} });
      process.exitCode = await rt.run({ id: ${JSON.stringify(id)}, bundle: ${JSON.stringify(b.dir)}, preserveFds: 1, stdio: [0, 1, 2] });
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', out, out, openSync(data, 'r')] });
    closeSync(out);
    const text = readFileSync(outFile, 'utf8');
    assert.equal(r.status, 0, text);
    assert.equal(text, 'preserved\n1\n');
  });

  it('creates through a wrapper command', async () => {
    const b = bundle(env, ['sleep', '1000']);
    const id = newId(env);
    const st = await env.rt.create({ id, bundle: b.dir, wrapper: ['/bin/sh', '-c', 'exec "$0"'] });
    assert.equal(st.status, 'created');
    await env.rt.start(id);
    assert.equal((await env.rt.state(id)).status, 'running');
    await env.rt.delete(id, { force: true });
  });

  it('runs under the engine monitor as wrapper: it reaps the init and records the exit code', { skip: existsSync(MONITOR) ? false : 'native/build/gantry-monitor not built' }, async () => {
    const b = bundle(env, ['sh', '-c', 'echo out-line; exit 5']);
    const id = newId(env);
    const dir = join(b.dir, 'monitor');
    mkdirSync(dir);
    const pidFile = join(dir, 'pid');
    const st = await env.rt.create({ id, bundle: b.dir, pidFile, wrapper: [MONITOR, '--dir', dir, '--pidfile', pidFile, '--log', join(dir, 'log.json'), '--'] });
    assert.equal(readFileSync(pidFile, 'utf8'), String(st.pid), 'pid file in place when create returns');
    await env.rt.start(id);
    await waitFor(() => existsSync(join(dir, 'exit.json')), 'exit.json');
    assert.equal(JSON.parse(readFileSync(join(dir, 'exit.json'), 'utf8')).exitCode, 5);
    assert.match(readFileSync(join(dir, 'log.json'), 'utf8'), /"log":"out-line\\n","stream":"stdout"/);
    await env.rt.delete(id);
  });

  it('runs detached, kills every process with all, updates resources and reports stats', async () => {
    const b = bundle(env, ['sh', '-c', 'sleep 1000 & sleep 1000']);
    const id = newId(env);
    assert.equal(await env.rt.run({ id, bundle: b.dir, detach: true }), 0);
    // busybox sh execs its last command, so: init (sleep) and one background sleep
    await waitFor(async () => (await env.rt.pids(id)).length === 2, 'two processes');
    await env.rt.update(id, { pids: { limit: 50 }, memory: { limit: 64 * 1024 * 1024 } });
    const stats = await env.rt.stats(id);
    assert.equal(stats.pids.current, 2);
    assert.equal(stats.pids.limit, 50);
    assert.equal(stats.memory.usage.limit, 64 * 1024 * 1024);
    await env.rt.kill(id, 9, { all: true });
    await waitFor(async () => (await env.rt.state(id)).status === 'stopped', 'stopped');
    await env.rt.delete(id);
  });

  it('execs as another user with a terminal-less env into a user-namespaced container', async () => {
    const b = bundle(env, ['sleep', '1000'], (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    const id = newId(env);
    await env.rt.create({ id, bundle: b.dir });
    await env.rt.start(id);
    const outFile = join(b.dir, 'exec.out');
    const fd = openSync(outFile, 'w');
    try {
      const r = await env.rt.exec(id, { process: { args: ['sh', '-c', 'id -u; cat /proc/self/uid_map'], cwd: '/', user: { uid: 1000, gid: 1000 } }, stdio: [0, fd, fd] });
      assert.equal(r.exitCode, 0);
    } finally {
      closeSync(fd);
    }
    assert.deepEqual(readFileSync(outFile, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['1000', '0 200000 65536']);
    await assert.rejects(env.rt.exec(id, { process: { args: ['/nope'], cwd: '/', user: root } }), /nope/);
    await env.rt.delete(id, { force: true });
  });
});
