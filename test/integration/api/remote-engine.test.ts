// The remote Engine (src/engine/remote) driving a real Docker-compatible
// daemon: podman's compat API service on a temporary unix socket, with its
// own root, runroot, tmpdir and network config dir, the busybox image
// imported through the client itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { openRemoteEngine } from '../../../src/engine/remote/index.js';
import type { Engine, IOSession } from '../../../src/engine/api.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import type { JSONMessage } from '../../../src/engine/api-types.js';
import { REGISTRY_BIN, TEST_PASSWORD, TEST_USER, startRegistry } from '../../fixtures/registry.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');
const GANTRY = join(REPO, 'bin', 'gantry');
const missing = ['podman', 'conmon'].filter((t) => spawnSync('which', [t]).status !== 0);
const notRoot = process.getuid?.() !== 0 ? 'needs root' : false;
const IMAGE = 'localhost/busybox:latest';
// No CNI setup needed for the containers under test.
const HostConfig = { NetworkMode: 'none' };

const readAll = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** Collects a session's output per stream until it ends. */
async function collect(s: IOSession): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  s.onOutput((stream, data) => (stream === 1 ? (out += data.toString()) : (err += data.toString())));
  await s.ended;
  return { out, err };
}

/** A Docker API daemon the suite runs against, started over a temporary directory. */
interface Daemon {
  name: string;
  skip: string | false;
  /** Starts the service listening on `sock`; returns its process. */
  start(dir: string, sock: string): ChildProcess;
  /** dockerd's 409 for a name in use (podman answers 500). */
  conflictCode?: string;
  /** Pulls from and pushes to a plain-HTTP registry on 127.0.0.1 as dockerd does (podman needs tls-verify off). */
  localRegistry?: boolean;
  /** Host network links it makes and keeps after it exits: removed after the suite unless they were there before. */
  hostLinks?: string[];
}

const podman: Daemon = {
  name: "podman's Docker API service",
  skip: notRoot || (missing.length > 0 ? `missing ${missing.join(', ')}` : false),
  // The bridge of podman's default network.
  hostLinks: ['cni-podman0'],
  start(dir, sock) {
    mkdirSync(join(dir, 'net'));
    mkdirSync(join(dir, 'tmp'));
    // Root here cannot raise NOFILE/NPROC to podman's defaults; exec sessions' monitors exit at once instead of after docker's 5 minutes.
    writeFileSync(
      join(dir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        '[engine]',
        // runc: crun refuses this machine's hybrid cgroup layout (cgroup2 holding only hugetlb)
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        'exit_command_delay = 1',
      ].join('\n') + '\n',
    );
    const args = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'), '--storage-driver', 'vfs', '--network-config-dir', join(dir, 'net')];
    return spawn('podman', [...args, 'system', 'service', '--time=0', `unix://${sock}`], {
      // TMPDIR: podman's /images/load keeps the upload in a temp file it leaves behind (/var/tmp/api_load.tar*).
      env: { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), TMPDIR: join(dir, 'tmp') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  },
};

const gantry: Daemon = {
  name: 'gantry system service',
  skip: notRoot,
  start: (dir, sock) =>
    spawn(GANTRY, ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), 'system', 'service', '--host', `unix://${sock}`], { stdio: ['ignore', 'ignore', 'pipe'] }),
  conflictCode: 'conflict',
  localRegistry: true,
};

/** Debian's dockerd (install-deps extracts it privately), opt-in as for the client tests: GANTRY_API_TEST_PEER=dockerd. */
const DOCKERD_DIR = '/usr/local/lib/gantry-test/docker';
const dockerd: Daemon = {
  name: "Debian's dockerd",
  skip: notRoot || (process.env.GANTRY_API_TEST_PEER !== 'dockerd' ? 'opt-in: GANTRY_API_TEST_PEER=dockerd' : !existsSync(join(DOCKERD_DIR, 'dockerd')) ? `missing ${DOCKERD_DIR}/dockerd` : false),
  start(dir, sock) {
    writeFileSync(join(dir, 'daemon.json'), '{}');
    // No firewall rules, no default bridge: nothing on the host changes.
    const args = ['--config-file', join(dir, 'daemon.json'), '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'x'), '--pidfile', join(dir, 'pid'), '--host', `unix://${sock}`,
      '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none'];
    return spawn(join(DOCKERD_DIR, 'dockerd'), args, { env: { ...process.env, PATH: `${DOCKERD_DIR}:${process.env.PATH ?? ''}` }, stdio: ['ignore', 'ignore', 'pipe'] });
  },
  conflictCode: 'conflict',
  localRegistry: true,
};

for (const daemon of [podman, gantry, dockerd]) remoteEngineSuite(daemon);

function remoteEngineSuite(daemon: Daemon): void {
  describe(`remote engine against ${daemon.name}`, { skip: daemon.skip }, () => {
    let dir: string;
    let service: ChildProcess | undefined;
    let engine: Engine;
    /** Set when the daemon cannot import images yet (its routes are being written): every test skips with it. */
    let lacking: string | undefined;
    const it = (name: string, fn: () => Promise<void>) =>
      test(name, async (t: TestContext) => {
        if (lacking) return t.skip(lacking);
        await fn();
      });

    const linkExists = (name: string) => spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
    let ownLinks: string[] = [];
    before(async () => {
      ownLinks = (daemon.hostLinks ?? []).filter((l) => !linkExists(l));
      // Short: dockerd's containerd keeps sockets under its exec root.
      dir = mkdtempSync(join(tmpdir(), 'gre-'));
      const sock = join(dir, 'api.sock');
      service = daemon.start(dir, sock);
      let log = '';
      service.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      engine = openRemoteEngine(`unix://${sock}`);
      for (let i = 0; ; i++) {
        if (existsSync(sock) && (await engine.system.ping().then(() => true, () => false))) break;
        if (i > 200 || service.exitCode !== null) throw new Error(`${daemon.name} did not come up: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      execFileSync(join(REPO, 'scripts', 'busybox-rootfs.sh'), [join(dir, 'rootfs')], { stdio: 'ignore' });
      execFileSync('tar', ['--numeric-owner', '-C', join(dir, 'rootfs'), '-cf', join(dir, 'rootfs.tar'), '.']);
      try {
        const id = await engine.images.import(createReadStream(join(dir, 'rootfs.tar')), { repo: 'localhost/busybox', tag: 'latest', changes: ['CMD ["sh"]'] });
        assert.match(id, /^(sha256:)?[0-9a-f]{64}$/);
      } catch (err) {
        if (!/page not found|not implemented/.test(String(err))) throw err;
        lacking = `the daemon cannot import images yet: ${(err as Error).message}`;
      }
    });

    after(async () => {
      if (!dir) return;
      if (engine) {
        const all = await engine.containers.list({ all: true }).catch(() => []);
        for (const c of all) await engine.containers.remove(c.Id, { force: true }).catch(() => undefined);
        await engine.close();
      }
      if (service && service.exitCode === null) {
        service.kill('SIGTERM');
        await new Promise((r) => service!.once('exit', r));
      }
      // Monitors (conmon, gantry's) of anything the service left behind, found by their paths under dir.
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        const cmd = (() => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          } catch {
            return '';
          }
        })();
        if (cmd.includes(dir)) spawnSync('kill', ['-KILL', pid]);
      }
      for (const l of ownLinks) if (linkExists(l)) spawnSync('ip', ['link', 'delete', l]);
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
      for (const m of mounts.filter((m) => m.startsWith(dir)).reverse()) spawnSync('umount', ['-l', m]);
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    });

    it('ping and version negotiate down to the daemon\'s API version', async () => {
      const ping = await engine.system.ping();
      assert.match(ping.apiVersion, /^1\.\d+$/);
      assert.equal(ping.osType, 'linux');
      const version = await engine.system.version();
      assert.equal(version.ApiVersion, ping.apiVersion);
      assert.equal(version.Os, 'linux');
      const info = await engine.system.info();
      assert.equal(typeof info.NCPU, 'number');
    });

    it('images: list, inspect, tag, remove; a missing image is not-found', async () => {
      const list = await engine.images.list();
      const img = list.find((i) => i.RepoTags?.includes(IMAGE));
      assert.ok(img, JSON.stringify(list));
      const inspect = await engine.images.inspect(IMAGE);
      assert.equal(inspect.Id.replace(/^sha256:/, ''), img.Id.replace(/^sha256:/, ''));
      assert.deepEqual(inspect.Config.Cmd, ['sh']);
      await engine.images.tag(IMAGE, 'localhost/busybox', 'retagged');
      assert.ok((await engine.images.inspect('localhost/busybox:retagged')).RepoTags.includes('localhost/busybox:retagged'));
      const removed = await engine.images.remove('localhost/busybox:retagged');
      assert.ok(removed.some((r) => 'Untagged' in r), JSON.stringify(removed));
      await assert.rejects(engine.images.inspect('localhost/busybox:retagged'), { code: 'not-found' });
      assert.ok((await engine.images.history(IMAGE)).length >= 1);
    });

    it('create, wait, start, logs, inspect, list, remove', async () => {
      const { Id } = await engine.containers.create({ Image: IMAGE, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], HostConfig }, { name: 'gantry-remote-logs' });
      assert.match(Id, /^[0-9a-f]{64}$/);
      // podman answers a name in use with a 500 (dockerd: 409); the daemon's message comes through either way.
      await assert.rejects(engine.containers.create({ Image: IMAGE, HostConfig }, { name: 'gantry-remote-logs' }), (err: Error & { code?: string }) => {
        assert.match(err.message, /already in use/);
        if (daemon.conflictCode) assert.equal(err.code, daemon.conflictCode);
        return true;
      });
      const { result } = await engine.containers.wait(Id, 'next-exit');
      assert.equal(await engine.containers.start(Id), true);
      assert.equal((await result).StatusCode, 3);
      const frames: [number, string][] = [];
      for await (const f of await engine.containers.logs('gantry-remote-logs', { stdout: true, stderr: true })) frames.push([f.stream, f.data.toString()]);
      assert.deepEqual(frames, [[1, 'out\n'], [2, 'err\n']]);
      const inspect = await engine.containers.inspect('gantry-remote-logs');
      assert.equal(inspect.Id, Id);
      assert.equal(inspect.State.Status, 'exited');
      assert.equal(inspect.State.ExitCode, 3);
      assert.ok((await engine.containers.list({ all: true })).some((c) => c.Id === Id));
      assert.ok(!(await engine.containers.list()).some((c) => c.Id === Id), 'an exited container is not in the default list');
      await engine.containers.remove(Id);
      await assert.rejects(engine.containers.inspect(Id), { code: 'not-found' });
    });

    it('attach: stdin in, stdout and stderr apart, closeStdin is EOF', async () => {
      const { Id } = await engine.containers.create({
        Image: IMAGE,
        Cmd: ['sh', '-c', 'cat; echo done >&2'],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig,
      });
      const session = await engine.containers.attach(Id, { stdin: true, stdout: true, stderr: true });
      const output = collect(session);
      const { result } = await engine.containers.wait(Id, 'next-exit');
      await engine.containers.start(Id);
      session.writeStdin(Buffer.from('hello\n'));
      session.closeStdin();
      assert.deepEqual(await output, { out: 'hello\n', err: 'done\n' });
      assert.equal((await result).StatusCode, 0);
      await engine.containers.remove(Id);
    });

    it('attach to a tty container: raw output', async () => {
      const { Id } = await engine.containers.create({ Image: IMAGE, Cmd: ['sh', '-c', 'echo tty-out; tty'], Tty: true, AttachStdout: true, HostConfig });
      const session = await engine.containers.attach(Id, { stdout: true, stderr: true });
      const output = collect(session);
      await engine.containers.start(Id);
      const { out, err } = await output;
      assert.match(out, /^tty-out\r\n\/dev\/pts\/\d+\r\n$/);
      assert.equal(err, '');
      const logs: string[] = [];
      for await (const f of await engine.containers.logs(Id, {})) logs.push(f.data.toString());
      assert.match(logs.join(''), /tty-out\r\n/);
      await engine.containers.remove(Id, { force: true });
    });

    it('exec: output apart, stdin, exit code, tty; start and stop report no-ops', async () => {
      const { Id } = await engine.containers.create({ Image: IMAGE, Cmd: ['sleep', '1000'], HostConfig }, { name: 'gantry-remote-exec' });
      assert.equal(await engine.containers.start(Id), true);
      assert.equal(await engine.containers.start(Id), false, 'starting a running container is a 304');

      const x = await engine.exec.create('gantry-remote-exec', { Cmd: ['sh', '-c', 'cat; echo exec-err >&2; exit 5'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
      const session = await engine.exec.start(x.Id, {});
      assert.ok(session);
      const output = collect(session);
      session.writeStdin(Buffer.from('in\n'));
      session.closeStdin();
      assert.deepEqual(await output, { out: 'in\n', err: 'exec-err\n' });
      const inspect = await engine.exec.inspect(x.Id);
      assert.equal(inspect.ExitCode, 5);
      assert.equal(inspect.Running, false);

      const t = await engine.exec.create(Id, { Cmd: ['tty'], AttachStdout: true, Tty: true });
      const tty = await engine.exec.start(t.Id, { Tty: true });
      assert.ok(tty);
      assert.match((await collect(tty)).out, /^\/dev\/pts\/\d+\r\n$/);

      const d = await engine.exec.create(Id, { Cmd: ['sh', '-c', 'touch /detached'] });
      assert.equal(await engine.exec.start(d.Id, { Detach: true }), undefined);

      const top = await engine.containers.top(Id);
      assert.ok(top.Processes.some((p) => p.join(' ').includes('sleep 1000')), JSON.stringify(top));
      assert.equal(await engine.containers.stop(Id, { t: 1 }), true);
      assert.equal((await engine.containers.inspect(Id)).State.Running, false);
      await engine.containers.remove(Id);
    });

    it('volumes: create, list, inspect, remove', async () => {
      const v = await engine.volumes.create({ Name: 'gantry-remote-vol', Labels: { purpose: 'test' } });
      assert.equal(v.Name, 'gantry-remote-vol');
      assert.ok((await engine.volumes.list()).Volumes.some((x) => x.Name === 'gantry-remote-vol'));
      assert.deepEqual((await engine.volumes.inspect('gantry-remote-vol')).Labels, { purpose: 'test' });
      await engine.volumes.remove('gantry-remote-vol');
      await assert.rejects(engine.volumes.inspect('gantry-remote-vol'), { code: 'not-found' });
    });

    it('networks: create, list, inspect, remove', async () => {
      const n = await engine.networks.create({ Name: 'gantry-remote-net', Labels: { purpose: 'test' } });
      assert.match(n.Id, /^[0-9a-f]{64}$/);
      assert.ok((await engine.networks.list()).some((x) => x.Name === 'gantry-remote-net'));
      assert.equal((await engine.networks.inspect('gantry-remote-net')).Name, 'gantry-remote-net');
      await engine.networks.remove('gantry-remote-net');
      await assert.rejects(engine.networks.inspect('gantry-remote-net'), { code: 'not-found' });
    });

    it('events: a container\'s lifecycle, then the stream ends on abort', async () => {
      const ac = new AbortController();
      // Ends the stream even if the last event never comes, so a failure cannot hang the suite.
      const deadline = setTimeout(() => ac.abort(), 60_000);
      const since = Date.now() / 1000 - 1;
      const seen: EngineEvent[] = [];
      let id = '';
      const watching = (async () => {
        for await (const ev of engine.system.events({ since, filters: { type: ['container'] }, signal: ac.signal })) {
          seen.push(ev);
          if (id && ev.Actor.ID === id && (ev.Action === 'destroy' || ev.Action === 'remove')) ac.abort();
        }
      })();
      const c = await engine.containers.create({ Image: IMAGE, Cmd: ['true'], HostConfig }, { name: 'gantry-remote-events' });
      id = c.Id;
      const { result } = await engine.containers.wait(id, 'next-exit');
      await engine.containers.start(id);
      await result;
      await engine.containers.remove(id);
      await watching;
      clearTimeout(deadline);
      const actions = seen.filter((e) => e.Actor.ID === id).map((e) => e.Action);
      for (const a of ['create', 'start', 'die']) assert.ok(actions.includes(a), actions.join(','));
      assert.ok(actions.includes('destroy') || actions.includes('remove'), actions.join(','));
    });

    it('archive put, stat and get; changes; stats; pause, rename, commit, kill, export, restart; save and load', async () => {
      const { Id } = await engine.containers.create({ Image: IMAGE, Cmd: ['sleep', '1000'], HostConfig }, { name: 'gantry-remote-data' });
      await engine.containers.start(Id);
      const tar = pack();
      tar.entry({ name: 'hello.txt' }, 'hi there\n');
      tar.finalize();
      await engine.containers.archivePut(Id, '/tmp', Readable.from(tar));
      const etc = await engine.containers.archiveStat(Id, '/etc');
      assert.equal(etc.name, 'etc');
      assert.ok(etc.mode & 2 ** 31, 'a directory has Go\'s ModeDir bit');
      const got = await engine.containers.archiveGet(Id, '/tmp/hello.txt');
      assert.equal(got.stat.size, 9);
      assert.ok((await readAll(got.tar)).includes('hi there\n'));
      assert.ok((await engine.containers.changes(Id)).some((c) => c.Path === '/tmp/hello.txt' && c.Kind === 1));

      const ac = new AbortController();
      let samples = 0;
      for await (const s of engine.containers.stats(Id, { stream: true, signal: ac.signal })) {
        assert.equal(typeof s.read, 'string');
        if (++samples === 2) ac.abort();
      }
      assert.equal(samples, 2);

      await engine.containers.pause(Id);
      assert.equal((await engine.containers.inspect(Id)).State.Status, 'paused');
      await engine.containers.unpause(Id);
      await engine.containers.rename(Id, 'gantry-remote-renamed');
      assert.equal((await engine.containers.inspect('gantry-remote-renamed')).Name, '/gantry-remote-renamed');
      await engine.containers.commit(Id, { repo: 'localhost/gantry-committed', tag: 'v1', changes: ['ENV FOO=bar'] });
      assert.ok((await engine.images.inspect('localhost/gantry-committed:v1')).Config.Env?.includes('FOO=bar'));
      const { result: killed } = await engine.containers.wait(Id, 'not-running');
      await engine.containers.kill(Id, 'KILL');
      assert.equal((await killed).StatusCode, 137);
      assert.ok((await readAll(await engine.containers.export(Id))).length > 1 << 20, 'the export is the whole rootfs');
      await engine.containers.restart(Id, { t: 1 });
      assert.equal((await engine.containers.inspect(Id)).State.Running, true);
      await engine.containers.remove(Id, { force: true });

      const saved = await readAll(await engine.images.save(['localhost/gantry-committed:v1']));
      await engine.images.remove('localhost/gantry-committed:v1');
      assert.deepEqual(await engine.images.load(Readable.from([saved])), ['Loaded image: localhost/gantry-committed:v1']);
      await engine.images.remove('localhost/gantry-committed:v1');
    });

    test('push and pull with X-Registry-Auth: progress to onProgress, a refusal thrown', { skip: !daemon.localRegistry ? 'the daemon needs TLS settings for a local registry' : !existsSync(REGISTRY_BIN) ? `missing ${REGISTRY_BIN}` : false }, async (t) => {
      if (lacking) return t.skip(lacking);
      const registry = await startRegistry({ auth: 'basic' });
      try {
        const auth = { username: TEST_USER, password: TEST_PASSWORD, serveraddress: registry.host };
        const ref = `${registry.host}/remote/busybox`;
        await engine.images.tag(IMAGE, ref, 'v1');
        await assert.rejects(engine.images.push(ref, { tag: 'v1' }), (err: Error) => /unauthorized|authentication required|no basic auth/i.test(err.message));
        const pushed: JSONMessage[] = [];
        await engine.images.push(ref, { tag: 'v1', auth, onProgress: (m) => pushed.push(m) });
        assert.ok(pushed.some((m) => m.aux && 'Digest' in m.aux), JSON.stringify(pushed));
        await engine.images.remove(`${ref}:v1`);
        const pulled: JSONMessage[] = [];
        await engine.images.pull({ fromImage: ref, tag: 'v1', auth, onProgress: (m) => pulled.push(m) });
        assert.ok(pulled.some((m) => /^Status: /.test(m.status ?? '')), JSON.stringify(pulled));
        assert.ok((await engine.images.inspect(`${ref}:v1`)).RepoTags.includes(`${ref}:v1`));
        await engine.images.remove(`${ref}:v1`);
      } finally {
        await registry.stop();
      }
    });
  });
}
