// The engine's networking through bin/gantry: user networks with names and
// aliases, published ports from the host, the default bridge under concurrency,
// none/host/container: modes, resolv.conf and hosts, --init, and that nothing
// stays on the host after rm or a killed run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openNetworkService } from '../../../src/network/index.js';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { EMPTY_LEFTOVERS, hostAddress, httpGet, leftovers, missingPrereq, run, type NetEnv } from '../network/helpers.js';

// Own default bridge and subnets, so this file runs beside the other network tests.
const BRIDGE = 'gteng0';
const SUBNET = '10.97.200.0/24';
const USER_SUBNET = '10.97.201.0/24';
const PORT = 18481;
const skip = missingPrereq();
const TINI = new URL('../../../../native/build/gantry-tini', import.meta.url).pathname;

let g: Gantry;
let env: NetEnv;

before(async () => {
  if (skip) return;
  g = await Gantry.create();
  const svc = await openNetworkService({ root: g.root, runroot: g.runroot, defaultNetwork: { bridge: BRIDGE, subnet: SUBNET } });
  await svc.list(); // writes the default network's conflist with our bridge before any run
  env = { svc, root: g.root, runroot: g.runroot, bridge: BRIDGE, subnet: SUBNET, cleanup: async () => undefined };
});

after(async () => {
  if (skip) return;
  await g.cleanup();
  await run('ip', ['link', 'del', 'gteng1']).catch(() => undefined);
  await run('nft', ['delete', 'table', 'ip', `gantry_${BRIDGE}`]).catch(() => undefined);
  for (const dir of ['-i', '-o']) await run('iptables', ['-w', '-D', 'FORWARD', dir, BRIDGE, '-m', 'comment', '--comment', `gantry ${BRIDGE}`, '-j', 'ACCEPT']).catch(() => undefined);
  await run('ip', ['link', 'del', BRIDGE]).catch(() => undefined);
  await removeRootfsCache();
});

const ok = async (args: string[]) => {
  const r = await g.run(args);
  assert.equal(r.code, 0, `gantry ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const inspect = async (ref: string, tpl: string) => (await ok(['inspect', '-f', tpl, ref])).trim();

async function assertClean(ids: string[], ips: string[]) {
  assert.deepEqual(await leftovers(env, ids, ips), EMPTY_LEFTOVERS);
}

test('user network: peers by name and alias, not on the default bridge; connect/disconnect update inspect', { skip }, async () => {
  await ok(['network', 'create', '--subnet', USER_SUBNET, '-o', 'com.docker.network.bridge.name=gteng1', 'engnet']);
  const srv = (await ok(['run', '-d', '--name', 'srv', '--network', 'engnet', '--network-alias', 'websrv', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'])).trim();
  const out = await ok(['run', '--rm', '--network', 'engnet', 'busybox', 'sh', '-c', 'ping -c1 -W3 srv >/dev/null && for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://websrv/hostname && break; sleep 0.2; done']);
  assert.equal(out, `${srv.slice(0, 12)}\n`);
  assert.equal(await inspect('srv', '{{json .NetworkSettings.Networks.engnet.Aliases}}'), '["websrv"]');

  const b1 = (await ok(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '1000'])).trim();
  assert.match(await inspect('b1', '{{.NetworkSettings.IPAddress}}'), /^10\.97\.200\.\d+$/);
  const noName = await g.run(['run', '--rm', 'busybox', 'ping', '-c1', '-W1', 'b1']);
  assert.notEqual(noName.code, 0, 'the default bridge has no name resolution');

  await ok(['network', 'connect', '--alias', 'bee', 'engnet', 'b1']);
  assert.match(await inspect('b1', '{{.NetworkSettings.Networks.engnet.IPAddress}}'), /^10\.97\.201\.\d+$/);
  await ok(['exec', 'srv', 'ping', '-c1', '-W3', 'bee']);
  await ok(['network', 'disconnect', 'engnet', 'b1']);
  assert.deepEqual(Object.keys(JSON.parse(await inspect('b1', '{{json .NetworkSettings.Networks}}'))), ['bridge']);

  // --network container:<name> joins srv's namespace.
  const srvIp = await inspect('srv', '{{.NetworkSettings.Networks.engnet.IPAddress}}');
  assert.match(await ok(['run', '--rm', '--network', 'container:srv', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']), new RegExp(`inet ${srvIp.replace(/\./g, '\\.')}/24`));

  const ips = [srvIp, await inspect('b1', '{{.NetworkSettings.IPAddress}}')];
  await ok(['rm', '-f', 'srv', 'b1']);
  await ok(['network', 'rm', 'engnet']);
  await assertClean([srv, b1], ips);
});

test('published ports answer from the host on 127.0.0.1 and its address; port shows them; a taken port fails cleanly', { skip }, async () => {
  const id = (await ok(['run', '-d', '--name', 'web', '-p', `${PORT}:80`, '--expose', '81', '-P', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'])).trim();
  const get = async (host: string) => {
    for (let i = 0; ; i++) {
      try {
        return await httpGet(`http://${host}:${PORT}/hostname`);
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  assert.equal(await get('127.0.0.1'), `${id.slice(0, 12)}\n`);
  const addr = hostAddress();
  if (addr) assert.equal(await get(addr), `${id.slice(0, 12)}\n`);
  const port = await ok(['port', 'web']);
  assert.match(port, new RegExp(`^80/tcp -> 0\\.0\\.0\\.0:${PORT}$`, 'm'));
  assert.match(port, /^81\/tcp -> 0\.0\.0\.0:\d+$/m, '-P publishes the exposed port on a free host port');
  assert.equal((await ok(['port', 'web', '80'])).trim(), `0.0.0.0:${PORT}`);

  const taken = await g.run(['run', '-d', '--name', 'web2', '-p', `${PORT}:80`, 'busybox', 'sleep', '100']);
  assert.equal(taken.code, 125);
  assert.match(taken.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${PORT} failed: port is already allocated`));
  const web2 = await inspect('web2', '{{.Id}} {{.State.Status}}');
  assert.match(web2, / created$/);
  const ip = await inspect('web', '{{.NetworkSettings.IPAddress}}');
  await ok(['rm', '-f', 'web', 'web2']);
  await assertClean([id, web2.split(' ')[0]!], [ip]);
});

test('10 concurrent run -d on the default bridge get distinct addresses; rm -f leaves nothing', { skip }, async () => {
  const results = await Promise.all(Array.from({ length: 10 }, () => g.run(['run', '-d', 'busybox', 'sleep', '1000'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const ids = results.map((r) => r.stdout.trim());
  const ips = await Promise.all(ids.map((id) => inspect(id, '{{.NetworkSettings.IPAddress}}')));
  assert.equal(new Set(ips).size, 10, ips.join(' '));
  for (const ip of ips) assert.match(ip, /^10\.97\.200\.\d+$/);
  await ok(['rm', '-f', ...ids]);
  await assertClean(ids, ips);
});

test('a SIGKILLed gantry run leaves nothing after the next ps -a and rm', { skip }, async () => {
  for (const delay of [150, 300, 450, 600]) {
    const child = g.spawn(['run', '-d', '-p', `${PORT + 1}:80`, 'busybox', 'sleep', '1000']);
    // Listen before killing: a fast run may finish (and close) before the kill.
    const closed = new Promise((r) => child.once('close', r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await closed;
  }
  const ids = (await ok(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
  if (ids.length) await ok(['rm', '-f', ...ids]);
  await ok(['container', 'prune', '-f']);
  await assertClean(ids, []);
});

test('none, host, resolv.conf and hosts', { skip }, async () => {
  assert.equal(await ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net']), 'lo\n');
  // The host network namespace: lo and the interface of the default route (other
  // tests add and remove veths and bridges meanwhile, so not the whole list).
  const defaultDev = /\bdev (\S+)/.exec(execFileSync('ip', ['route', 'show', 'default']).toString())?.[1];
  const stable = ['lo', ...(defaultDev ? [defaultDev] : [])];
  const seen = (await ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net'])).split('\n');
  for (const link of stable) assert.ok(seen.includes(link), `host interface ${link} not seen with --network host`);
  const files = await ok(['run', '--rm', '-h', 'myhost', '--dns', '192.0.2.53', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--add-host', 'db:192.0.2.7', 'busybox', 'cat', '/etc/resolv.conf', '/etc/hosts']);
  assert.match(files, /^nameserver 192\.0\.2\.53$/m);
  assert.match(files, /^search example\.test$/m);
  assert.match(files, /^options ndots:2$/m);
  assert.match(files, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(files, /^192\.0\.2\.7\tdb$/m);
  assert.match(files, /^10\.97\.200\.\d+\tmyhost$/m);
});

test('--init reaps zombies and forwards SIGTERM', { skip: skip ?? (isStatic(TINI) ? undefined : 'native/build/gantry-tini is not statically linked (the container has no libc): native/Makefile must link it with -static') }, async () => {
  const id = (await ok(['run', '-d', '--init', '--network', 'none', 'busybox', 'sh', '-c', '(sleep 0.2 &); exec sleep 1000'])).trim();
  assert.equal(await inspect(id, '{{.HostConfig.Init}}'), 'true');
  await new Promise((r) => setTimeout(r, 800));
  const ps = await ok(['exec', id, 'ps', '-o', 'pid,stat,comm']);
  assert.doesNotMatch(ps, /\bZ\b/, ps);
  assert.match(ps, /^\s*1\s+\S+\s+init$/m);
  // sleep ignores SIGTERM as pid 1; under the init it gets it and dies of it (143), well before the 20 s timeout's SIGKILL.
  await ok(['stop', '-t', '20', id]);
  assert.equal(await inspect(id, '{{.State.ExitCode}}'), '143');
  await ok(['rm', id]);
});

function isStatic(path: string): boolean {
  try {
    return !execFileSync('readelf', ['-l', path]).toString().includes('INTERP');
  } catch {
    return false;
  }
}
