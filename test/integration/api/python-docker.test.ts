// Debian's python3-docker (docker-py 5.0.3) against `gantry system service`:
// each test runs a small script with /usr/bin/python3 that prints JSON.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, pythonHas, runClient, SYSTEM_PYTHON } from './daemon-harness.js';

const HAS_DOCKER_PY = pythonHas('docker');
let d: Daemon;

/** Runs `body` after `import docker, json; client = docker.from_env()`; its last stdout line is JSON. */
async function py(body: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<any> {
  const script = `import docker, json, sys\nclient = docker.from_env(version='auto', timeout=60)\n${body}\n`;
  const r = await runClient(SYSTEM_PYTHON, ['-c', script], { env: d.clientEnv(extraEnv), timeoutMs: 120_000 });
  assert.equal(r.code, 0, `python failed:\n${r.stderr}\n--- daemon:\n${d.logs().slice(-2000)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

describe('python3-docker against gantry system service', { skip: HAS_DOCKER_PY ? false : `${SYSTEM_PYTHON} cannot import docker (Debian's python3-docker)`, timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
  });
  after(async () => {
    await d?.stop();
  });

  test('ping, version, info', async () => {
    const r = await py(`v = client.version(); i = client.info()
print(json.dumps({'ping': client.ping(), 'api': v['ApiVersion'], 'os': v['Os'], 'ostype': i['OSType']}))`);
    assert.equal(r.ping, true);
    assert.match(r.api, /^1\.\d+$/);
    assert.equal(r.os, 'linux');
    assert.equal(r.ostype, 'linux');
  });

  test('containers.run (foreground and detached), logs, exec_run, wait, remove', async () => {
    const r = await py(`out = client.containers.run('busybox', ['echo', 'foreground'], remove=True)
c = client.containers.run('busybox', ['sh', '-c', 'echo started; echo to-stderr >&2; exec sleep 1000'], detach=True, name='pyc', environment={'X': 'y'}, labels={'l': 'v'})
c.reload()
status = c.status
import time
for _ in range(50):
    if b'started' in c.logs(): break
    time.sleep(0.1)
logs = c.logs(stdout=True, stderr=False).decode()
errs = c.logs(stdout=False, stderr=True).decode()
ex = c.exec_run(['sh', '-c', 'echo $X; exit 3'])
ex_env = c.exec_run(['sh', '-c', 'echo $Z'], environment={'Z': 'zz'})
c.kill()
w = c.wait()
listed = [x.name for x in client.containers.list(all=True)]
running = [x.name for x in client.containers.list()]
c.remove()
try:
    client.containers.get('pyc'); gone = False
except docker.errors.NotFound as e:
    gone = 'No such container' in str(e)
print(json.dumps({'out': out.decode(), 'status': status, 'logs': logs, 'errs': errs, 'exit': ex.exit_code, 'exout': ex.output.decode(),
  'exenv': ex_env.output.decode(), 'wait': w['StatusCode'], 'listed': listed, 'running': running, 'gone': gone, 'labels': c.labels}))`);
    assert.equal(r.out, 'foreground\n');
    assert.equal(r.status, 'running');
    assert.equal(r.logs, 'started\n');
    assert.equal(r.errs, 'to-stderr\n');
    assert.equal(r.exit, 3);
    assert.equal(r.exout, 'y\n');
    assert.equal(r.exenv, 'zz\n');
    assert.equal(r.wait, 137);
    assert.ok(r.listed.includes('pyc'));
    assert.ok(!r.running.includes('pyc'));
    assert.equal(r.gone, true);
    assert.deepEqual(r.labels, { l: 'v' });
  });

  test('a failing command raises ContainerError with its exit status', async () => {
    const r = await py(`try:
    client.containers.run('busybox', ['sh', '-c', 'echo bad >&2; exit 9'], remove=True); print(json.dumps({}))
except docker.errors.ContainerError as e:
    print(json.dumps({'status': e.exit_status, 'stderr': e.stderr.decode()}))`);
    assert.equal(r.status, 9);
    assert.equal(r.stderr, 'bad\n');
  });

  test('images.list, get, pull from a registry, tag, remove', async () => {
    const reg = await d.registry();
    const r = await py(`tags = [t for i in client.images.list() for t in i.tags]
img = client.images.get('busybox')
p = client.images.pull('${reg.host}/busybox', tag='latest')
p.tag('${reg.host}/busybox', 'again')
after_tag = client.images.get('${reg.host}/busybox:again').tags
client.images.remove('${reg.host}/busybox:again')
client.images.remove('${reg.host}/busybox:latest')
try:
    client.images.get('nope:1'); missing = False
except docker.errors.ImageNotFound:
    missing = True
print(json.dumps({'tags': tags, 'id': img.id, 'pulled': p.tags, 'after_tag': after_tag, 'missing': missing}))`);
    assert.ok(r.tags.includes('busybox:latest'), r.tags.join(','));
    assert.match(r.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(r.pulled.includes(`${reg.host}/busybox:latest`));
    assert.ok(r.after_tag.includes(`${reg.host}/busybox:again`));
    assert.equal(r.missing, true);
  });

  test('volumes: create, mount, list, remove', async () => {
    const r = await py(`v = client.volumes.create('pyvol', labels={'a': 'b'})
client.containers.run('busybox', ['sh', '-c', 'echo persisted > /v/f'], volumes={'pyvol': {'bind': '/v', 'mode': 'rw'}}, remove=True)
read = client.containers.run('busybox', ['cat', '/v/f'], volumes=['pyvol:/v:ro'], remove=True).decode()
names = [x.name for x in client.volumes.list()]
got = client.volumes.get('pyvol').attrs
v.remove()
print(json.dumps({'read': read, 'names': names, 'driver': got['Driver'], 'labels': got['Labels'], 'after': [x.name for x in client.volumes.list()]}))`);
    assert.equal(r.read, 'persisted\n');
    assert.ok(r.names.includes('pyvol'));
    assert.equal(r.driver, 'local');
    assert.deepEqual(r.labels, { a: 'b' });
    assert.ok(!r.after.includes('pyvol'));
  });

  test('networks: create, run on it, reach a peer by name, connect, remove', async () => {
    const r = await py(`n = client.networks.create('pynet', driver='bridge')
srv = client.containers.run('busybox', ['sh', '-c', 'mkdir /w && echo peer > /w/index.html && exec httpd -f -p 80 -h /w'], detach=True, name='pysrv', network='pynet')
import time
got = ''
for _ in range(50):
    try:
        got = client.containers.run('busybox', ['timeout', '5', 'wget', '-qO-', 'http://pysrv/'], network='pynet', remove=True).decode().strip()
    except docker.errors.ContainerError:
        pass
    if got == 'peer':
        break
    time.sleep(0.1)
other = client.containers.run('busybox', ['sleep', '1000'], detach=True, name='pyother')
n.connect(other)
n.reload()
members = sorted(c.name for c in n.containers)
via_connect = ''
for _ in range(20):
    via_connect = other.exec_run(['timeout', '10', 'wget', '-qO-', 'http://pysrv/']).output.decode().strip()
    if via_connect == 'peer':
        break
    time.sleep(0.1)
n.disconnect(other)
srv.remove(force=True); other.remove(force=True)
n.remove()
print(json.dumps({'got': got, 'members': members, 'via_connect': via_connect, 'after': [x.name for x in client.networks.list()]}))`);
    assert.equal(r.got, 'peer');
    assert.deepEqual(r.members, ['pyother', 'pysrv']);
    assert.equal(r.via_connect, 'peer');
    assert.ok(!r.after.includes('pynet'));
    assert.ok(r.after.includes('bridge'));
  });
});
