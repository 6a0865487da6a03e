// The default bridge as docker clients use it (testcontainers reaches a
// published port through the bridge's gateway), and the network, volume and
// events verbs through the CLI with containers on them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { missingPrereq } from './helpers.js';

const skip = missingPrereq();
let g: Gantry;

before(async () => {
  if (!skip) g = await Gantry.create();
});
after(async () => {
  await g?.cleanup();
  await removeRootfsCache();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function ok(args: string[]): Promise<string> {
  const r = await g.run(args);
  assert.equal(r.code, 0, `gantry ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('a container reaches another one published port through the bridge gateway', { skip }, async () => {
  const port = await freePort();
  const srv = (await ok(['run', '-d', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo published > /i.html; exec httpd -f -p 80 -h /'])).trim();
  try {
    const gateway = (await ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'bridge'])).trim();
    assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
    // busybox's nc, not its wget (static wget segfaults in its resolver); httpd may take a moment to listen
    const out = await ok(['run', '--rm', 'busybox', 'sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET /i.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${gateway} ${port} && exit 0; sleep 0.2; done; exit 1`]);
    assert.match(out, /HTTP\/1\.[01] 200 OK[\s\S]*published/);
  } finally {
    await g.run(['rm', '-f', srv]);
  }
});

test('network connect/disconnect, inspect Containers, events and volume in use through the CLI', { skip }, async () => {
  const since = String(Date.now() / 1000);
  await ok(['network', 'create', '-o', 'com.docker.network.bridge.name=gtest-sys0', '--subnet', '10.135.3.0/24', 'sysnet']);
  await ok(['volume', 'create', 'sysvol']);
  const id = (await ok(['run', '-d', '-v', 'sysvol:/data', 'busybox', 'sleep', '60'])).trim();
  try {
    await ok(['network', 'connect', '--alias', 'side', 'sysnet', id]);
    const containers = JSON.parse(await ok(['network', 'inspect', '-f', '{{json .Containers}}', 'sysnet'])) as Record<string, { IPv4Address: string }>;
    assert.deepEqual(Object.keys(containers), [id]);
    assert.match(containers[id]!.IPv4Address, /^10\.135\.3\./);
    const inUse = await g.run(['volume', 'rm', 'sysvol']);
    assert.equal(inUse.code, 1);
    assert.equal(inUse.stderr, `Error response from daemon: remove sysvol: volume is in use - [${id}]\n`);
    assert.equal(await ok(['volume', 'ls', '-q', '--filter', 'dangling=false']), 'sysvol\n');
    await ok(['network', 'disconnect', 'sysnet', id]);
    assert.equal(await ok(['network', 'inspect', '-f', '{{len .Containers}}', 'sysnet']), '0\n');

    const until = String(Date.now() / 1000 + 0.01);
    const lines = (await ok(['events', '--since', since, '--until', until, '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}'])).trimEnd().split('\n');
    assert.deepEqual(lines.filter((l) => l.includes('sysnet')), ['create sysnet <no value>', `connect sysnet ${id}`, `disconnect sysnet ${id}`]);
    const text = await ok(['events', '--since', since, '--until', until, '--filter', 'volume=sysvol']);
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z volume create sysvol \(driver=local\)\n/);
    const bad = await g.run(['events', '--filter', 'nope=1', '--until', until]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'nope'/);
  } finally {
    await g.run(['rm', '-f', id]);
    await g.run(['network', 'rm', 'sysnet']);
    await g.run(['volume', 'rm', '-f', 'sysvol']);
  }
});
