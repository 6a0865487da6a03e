// The real docker CLI (28 on dev machines, Debian's 20.10 in CI) against
// `gantry system service`: the everyday commands, streams, tty, ports,
// volumes, networks, a registry, archives and the inspect shapes clients read.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon, findDockerCli, runClient, type Result } from './daemon-harness.js';
import { freePort } from '../../fixtures/registry.js';

const DOCKER = findDockerCli();

let d: Daemon;
let work: string;
const docker = (args: string[], input?: string, timeoutMs?: number): Promise<Result> => runClient(DOCKER!, args, { env: d.clientEnv(), input, timeoutMs });
/** A command that must succeed; its trimmed stdout. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
const state = async (c: string) => ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', c]);

function httpGet(url: string): Promise<string> {
  return new Promise((res, rej) => {
    http.get(url, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}
/** The server in a just-started container needs a moment: retried for a few seconds. */
async function httpGetRetried(url: string): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      return await httpGet(url);
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  throw last;
}
/** busybox httpd serving "index.html" = `text` on port 80. */
const httpd = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

describe('docker CLI against gantry system service', { skip: DOCKER ? false : 'no docker CLI (scripts/install-deps.sh extracts Debian\'s)', timeout: 600_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    work = await mkdtemp(join(tmpdir(), 'gantry-docker-cli-'));
  });
  after(async () => {
    await d?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('version and info report the server', async () => {
    assert.match(await ok(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}']), /^\S+ 1\.\d+ linux$/);
    const info = JSON.parse(await ok(['info', '--format', '{{json .}}']));
    assert.equal(info.OSType, 'linux');
    assert.equal(typeof info.ServerVersion, 'string');
    assert.equal(typeof info.Containers, 'number');
    assert.ok(info.Images >= 1, 'busybox is there');
  });

  test('run --rm: output, exit codes, nothing left', async () => {
    const r = await docker(['run', '--rm', 'busybox', 'echo', 'hello']);
    assert.equal(r.stdout, 'hello\n', r.stderr);
    assert.equal(r.code, 0);
    const e = await docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(e.code, 3);
    assert.equal(e.stdout, 'out\n');
    assert.equal(e.stderr, 'err\n');
    assert.equal((await docker(['run', '--rm', 'busybox', 'no-such-binary'])).code, 127);
    assert.equal(await ok(['ps', '-aq']), '');
  });

  test('run -d, ps, logs, logs -f, exec, exec -i with stdin', async () => {
    const id = await ok(['run', '-d', '--name', 'life', '-e', 'FOO=bar', 'busybox', 'sh', '-c', 'echo started $FOO; exec sleep 1000']);
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = await ok(['ps', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Status}}']);
    assert.match(ps, new RegExp(`^${id.slice(0, 12)} life busybox Up `, 'm'));
    for (let i = 0; i < 50 && !(await ok(['logs', 'life'])).includes('started'); i++) await sleep(100);
    assert.equal(await ok(['logs', 'life']), 'started bar');
    assert.equal(await ok(['exec', 'life', 'sh', '-c', 'echo $FOO; id -u']), 'bar\n0');
    assert.equal((await docker(['exec', 'life', 'sh', '-c', 'exit 4'])).code, 4);
    assert.equal((await docker(['exec', '-i', 'life', 'cat'], 'from stdin\nline 2\n')).stdout, 'from stdin\nline 2\n');
    assert.equal((await docker(['exec', '-i', 'life', 'wc', '-c'], 'x'.repeat(100_000))).stdout.trim(), '100000');

    // logs -f streams what comes and ends when the container does.
    await ok(['run', '-d', '--name', 'follow', 'busybox', 'sh', '-c', 'echo one; sleep 1; echo two >&2; sleep 1; echo three']);
    const f = await docker(['logs', '-f', 'follow']);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stdout, 'one\nthree\n');
    assert.equal(f.stderr, 'two\n');
    assert.equal(await ok(['logs', '--tail', '1', 'follow']), 'three');
    await ok(['rm', 'follow']);
  });

  test('stop, start, restart, kill, rm -f', async () => {
    await ok(['run', '-d', '--name', 'cycle', 'busybox', 'sleep', '1000']);
    await ok(['stop', '-t', '1', 'cycle']);
    assert.equal(await state('cycle'), 'exited 137');
    await ok(['start', 'cycle']);
    assert.match(await state('cycle'), /^running /);
    const pid1 = await ok(['inspect', '-f', '{{.State.Pid}}', 'cycle']);
    await ok(['restart', '-t', '1', 'cycle']);
    assert.match(await state('cycle'), /^running /);
    assert.notEqual(await ok(['inspect', '-f', '{{.State.Pid}}', 'cycle']), pid1);
    await ok(['kill', 'cycle']);
    assert.equal(await state('cycle'), 'exited 137');
    await ok(['start', 'cycle']);
    await ok(['rm', '-f', 'cycle']);
    const gone = await docker(['inspect', 'cycle']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No such object: cycle|No such container: cycle/);
    await ok(['rm', '-f', 'life']);
  });

  test('run -it gets a tty (under script), and its exit code', async () => {
    const r = spawnSync('script', ['-eqc', `${DOCKER} run -it --rm busybox sh -c 'tty; test -t 0 && echo stdin-tty; exit 3'`, '/dev/null'], { env: d.clientEnv(), input: '', timeout: 60_000 });
    const out = r.stdout.toString();
    assert.match(out, /\/dev\/pts\/\d+/, out + r.stderr.toString());
    assert.match(out, /stdin-tty/);
    assert.equal(r.status, 3);
  });

  test('-p publishes a port that serves from the host', async () => {
    const port = await freePort();
    await ok(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('published')]);
    assert.equal((await httpGetRetried(`http://127.0.0.1:${port}/`)).trim(), 'published');
    assert.equal(await ok(['port', 'web', '80']), `127.0.0.1:${port}`);
    const ports = JSON.parse(await ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web']));
    assert.deepEqual(ports['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    await ok(['rm', '-f', 'web']);
  });

  test('-v: a named volume outlives its container; a bind mount shows host files', async () => {
    await ok(['volume', 'create', 'data1']);
    await ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(await ok(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'cat', '/data/f']), 'kept');
    assert.notEqual((await docker(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'touch', '/data/g'])).code, 0);
    const vol = JSON.parse(await ok(['volume', 'inspect', 'data1']))[0];
    assert.equal(vol.Name, 'data1');
    assert.equal(vol.Driver, 'local');
    assert.match(await ok(['volume', 'ls', '--format', '{{.Name}}']), /^data1$/m);
    await writeFile(join(work, 'host.txt'), 'from host\n');
    assert.equal(await ok(['run', '--rm', '-v', `${work}:/host`, 'busybox', 'cat', '/host/host.txt']), 'from host');
    await ok(['volume', 'rm', 'data1']);
  });

  test('user network: containers reach each other by name; network connect', async () => {
    await ok(['network', 'create', 'appnet']);
    await ok(['run', '-d', '--name', 'srv', '--network', 'appnet', 'busybox', ...httpd('by-name')]);
    let got = '';
    for (let i = 0; i < 50 && got !== 'by-name'; i++) {
      got = (await docker(['run', '--rm', '--network', 'appnet', 'busybox', 'timeout', '5', 'wget', '-qO-', 'http://srv/'])).stdout.trim();
      if (got !== 'by-name') await sleep(100);
    }
    assert.equal(got, 'by-name');
    await ok(['run', '-d', '--name', 'late', 'busybox', 'sleep', '1000']);
    await ok(['network', 'connect', 'appnet', 'late']);
    assert.equal(await ok(['exec', 'late', 'timeout', '10', 'wget', '-qO-', 'http://srv/']), 'by-name');
    const net = JSON.parse(await ok(['network', 'inspect', 'appnet']))[0];
    assert.equal(net.Name, 'appnet');
    assert.equal(net.Driver, 'bridge');
    assert.deepEqual(Object.values(net.Containers as Record<string, { Name: string }>).map((c) => c.Name).sort(), ['late', 'srv']);
    await ok(['network', 'disconnect', 'appnet', 'late']);
    await ok(['rm', '-f', 'srv', 'late']);
    await ok(['network', 'rm', 'appnet']);
    assert.doesNotMatch(await ok(['network', 'ls', '--format', '{{.Name}}']), /^appnet$/m);
  });

  test('pull from and push to a registry; images, tag, rmi', async () => {
    const reg = await d.registry();
    const pulled = await docker(['pull', `${reg.host}/busybox:latest`], undefined, 120_000);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /Status: Downloaded newer image|Digest: sha256:/);
    assert.equal(await ok(['run', '--rm', `${reg.host}/busybox`, 'echo', 'pulled']), 'pulled');
    await ok(['tag', 'busybox', `${reg.host}/mine:v1`]);
    assert.match(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`^${reg.host}/mine:v1$`, 'm'));
    const pushed = await docker(['push', `${reg.host}/mine:v1`], undefined, 120_000);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.deepEqual(JSON.parse(await httpGet(`${reg.url}/v2/mine/tags/list`)).tags, ['v1']);
    const rmi = await ok(['rmi', `${reg.host}/mine:v1`, `${reg.host}/busybox:latest`]);
    assert.match(rmi, new RegExp(`Untagged: ${reg.host}/mine:v1`));
    assert.doesNotMatch(await ok(['images', '--format', '{{.Repository}}']), new RegExp(reg.host));
    const missing = await docker(['rmi', 'no-such-image:1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: no-such-image:1/);
  });

  test('cp into and out of a container', async () => {
    await ok(['run', '-d', '--name', 'cpc', 'busybox', 'sleep', '1000']);
    await writeFile(join(work, 'in.txt'), 'copied in\n');
    await ok(['cp', join(work, 'in.txt'), 'cpc:/tmp/in.txt']);
    assert.equal(await ok(['exec', 'cpc', 'cat', '/tmp/in.txt']), 'copied in');
    await ok(['exec', 'cpc', 'sh', '-c', 'mkdir -p /out/sub && echo copied out > /out/sub/f']);
    await ok(['cp', 'cpc:/out', join(work, 'out')]);
    assert.equal(await readFile(join(work, 'out', 'sub', 'f'), 'utf8'), 'copied out\n');
    // "-" is a tar stream on stdout.
    const tar = spawnSync(DOCKER!, ['cp', 'cpc:/tmp/in.txt', '-'], { env: d.clientEnv() });
    assert.equal(tar.status, 0, tar.stderr.toString());
    assert.equal(spawnSync('tar', ['-xOf', '-'], { input: tar.stdout }).stdout.toString(), 'copied in\n');
    await ok(['rm', '-f', 'cpc']);
  });

  test('inspect shapes of a container and an image', async () => {
    await ok(['run', '-d', '--name', 'shape', '--label', 'k=v', '-e', 'A=1', 'busybox', 'sleep', '1000']);
    const [c] = JSON.parse(await ok(['inspect', 'shape']));
    for (const k of ['Id', 'Created', 'Path', 'Args', 'State', 'Image', 'Name', 'RestartCount', 'HostConfig', 'Mounts', 'Config', 'NetworkSettings']) assert.ok(k in c, `container inspect has ${k}`);
    assert.equal(c.Name, '/shape');
    assert.equal(c.Path, 'sleep');
    assert.deepEqual(c.Args, ['1000']);
    assert.equal(c.State.Status, 'running');
    assert.equal(c.State.Running, true);
    assert.ok(c.State.Pid > 0);
    assert.match(c.State.StartedAt, /^\d{4}-\d\d-\d\dT/);
    assert.match(c.Image, /^sha256:[0-9a-f]{64}$/);
    assert.equal(c.Config.Image, 'busybox');
    assert.deepEqual(c.Config.Cmd, ['sleep', '1000']);
    assert.equal(c.Config.Labels.k, 'v');
    assert.ok(c.Config.Env.includes('A=1'));
    assert.equal(typeof c.HostConfig.NetworkMode, 'string');
    assert.ok(c.NetworkSettings.Networks.bridge, 'on the default bridge');
    assert.match(c.NetworkSettings.Networks.bridge.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'busybox']));
    assert.equal(img.Id, c.Image);
    assert.ok(img.RepoTags.includes('busybox:latest'));
    assert.equal(img.Os, 'linux');
    assert.equal(typeof img.Architecture, 'string');
    assert.equal(img.RootFS.Type, 'layers');
    assert.ok(img.RootFS.Layers.length >= 1);
    assert.deepEqual(img.Config.Cmd, ['sh']);
    assert.equal(typeof img.Size, 'number');
    const notFound = await docker(['container', 'inspect', 'no-such']);
    assert.equal(notFound.code, 1);
    assert.match(notFound.stderr, /No such container: no-such/);
    await ok(['rm', '-f', 'shape']);
  });

  test('events --since/--until replay a container\'s life', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(['run', '--name', 'evented', 'busybox', 'true']);
    await ok(['rm', 'evented']);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const r = await docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=evented', '--format', '{{json .}}'], undefined, 30_000);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const actions = events.map((e) => e.Action ?? e.status);
    for (const a of ['create', 'start', 'die', 'destroy']) assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
    assert.ok(actions.indexOf('create') < actions.indexOf('start') && actions.indexOf('die') < actions.indexOf('destroy'));
    for (const e of events) {
      assert.equal(e.Type, 'container');
      assert.equal(e.Actor.Attributes.name, 'evented');
      assert.equal(typeof e.time, 'number');
    }
  });

  test('system df, wait, rename, top, stats --no-stream', async () => {
    const df = await ok(['system', 'df']);
    for (const row of ['Images', 'Containers', 'Local Volumes', 'Build Cache']) assert.match(df, new RegExp(`^${row} `, 'm'));
    await ok(['run', '-d', '--name', 'exits5', 'busybox', 'sh', '-c', 'sleep 1; exit 5']);
    assert.equal(await ok(['wait', 'exits5']), '5');
    await ok(['rename', 'exits5', 'renamed5']);
    assert.equal(await ok(['inspect', '-f', '{{.Name}}', 'renamed5']), '/renamed5');
    await ok(['rm', 'renamed5']);
    await ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '1000']);
    const top = (await ok(['top', 'busy'])).split('\n');
    assert.match(top[0]!, /PID/);
    assert.ok(top.some((l) => /sleep 1000/.test(l)), top.join('\n'));
    const stats = await ok(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', 'busy']);
    const [name, mem, pids] = stats.split('|');
    assert.equal(name, 'busy');
    assert.match(mem!, /\d.*B \/ /);
    assert.match(pids!, /^\d+$/);
    await ok(['rm', '-f', 'busy']);
  });

  test('commit, export/import, save/load', async () => {
    await ok(['run', '-d', '--name', 'tocommit', 'busybox', 'sh', '-c', 'echo committed > /marker; exec sleep 1000']);
    for (let i = 0; i < 50 && (await docker(['exec', 'tocommit', 'test', '-f', '/marker'])).code !== 0; i++) await sleep(100);
    const cid = await ok(['commit', '-c', 'ENV FROM_COMMIT=1', 'tocommit', 'committed:1']);
    assert.match(cid, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await ok(['run', '--rm', 'committed:1', 'sh', '-c', 'cat /marker; echo $FROM_COMMIT']), 'committed\n1');

    await ok(['export', '-o', join(work, 'export.tar'), 'tocommit']);
    const listing = spawnSync('tar', ['-tf', join(work, 'export.tar')]).stdout.toString();
    assert.match(listing, /^(\.\/)?marker$/m);
    await ok(['import', join(work, 'export.tar'), 'imported:1']);
    assert.equal(await ok(['run', '--rm', 'imported:1', '/bin/cat', '/marker']), 'committed');
    await ok(['rm', '-f', 'tocommit']);

    await ok(['save', '-o', join(work, 'saved.tar'), 'committed:1']);
    assert.match(spawnSync('tar', ['-tf', join(work, 'saved.tar')]).stdout.toString(), /^manifest\.json$/m);
    await ok(['rmi', 'committed:1', 'imported:1']);
    assert.match(await ok(['load', '-i', join(work, 'saved.tar')]), /Loaded image: committed:1/);
    assert.equal(await ok(['run', '--rm', 'committed:1', 'cat', '/marker']), 'committed');
    await ok(['rmi', 'committed:1']);
  });

  test('container, image, volume and network prune', async () => {
    await ok(['run', '--name', 'stopped1', 'busybox', 'true']);
    await ok(['run', '-d', '--name', 'running1', 'busybox', 'sleep', '1000']);
    const cp = await ok(['container', 'prune', '-f']);
    assert.match(cp, /Total reclaimed space/);
    const left = (await ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n');
    assert.ok(left.includes('running1') && !left.includes('stopped1'), left.join(','));
    await ok(['rm', '-f', 'running1']);

    // An image whose tag moved away is dangling; prune removes it, not busybox.
    await ok(['run', '--name', 'layer', 'busybox', 'touch', '/x']);
    const first = await ok(['commit', 'layer', 'dangle:1']);
    await ok(['commit', 'layer', 'dangle:1']);
    await ok(['rm', 'layer']);
    const ip = await ok(['image', 'prune', '-f']);
    assert.match(ip, new RegExp(`deleted: ${first}`));
    assert.equal((await docker(['image', 'inspect', first])).code, 1);
    assert.equal((await docker(['image', 'inspect', 'busybox'])).code, 0);
    await ok(['rmi', 'dangle:1']);

    // An anonymous volume left by a container removed without -v.
    await ok(['run', '--name', 'anon', '-v', '/data', 'busybox', 'true']);
    const anon = await ok(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'anon']);
    await ok(['rm', 'anon']);
    assert.match(await ok(['volume', 'prune', '-f']), new RegExp(anon));
    assert.doesNotMatch(await ok(['volume', 'ls', '-q']), new RegExp(anon));

    await ok(['network', 'create', 'unused1']);
    assert.match(await ok(['network', 'prune', '-f']), /unused1/);
    assert.doesNotMatch(await ok(['network', 'ls', '--format', '{{.Name}}']), /unused1/);
  });

  test('attach to a running container sees its output; docker run without -d streams until exit', async () => {
    await ok(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'sleep 2; echo after-attach; sleep 1']);
    const child = spawn(DOCKER!, ['attach', 'talker'], { env: d.clientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(out, 'after-attach\n');
    assert.equal(code, 0);
    await ok(['rm', 'talker']);
  });
});
