// CRI pod sandboxes on a CNI network from --cni-conf-dir, with Debian's real
// plugins (bridge, host-local, portmap): the pod's IP on eth0, pod-to-pod and
// hostPort traffic, DEL on stop (lease and portmap rules gone), remove after a
// service restart, an invalid config in Status, a failing plugin chain undone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { basename, dirname, join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { freePort } from '../../fixtures/registry.js';
import { startCri, type CriHarness, importPauseImage } from './cri-client.js';

const PLUGINS = '/usr/lib/cni';
const haveTools = ['bridge', 'host-local', 'portmap', 'firewall', 'bandwidth'].every((p) => existsSync(join(PLUGINS, p)));
const skip = haveTools ? false : `CNI plugins missing in ${PLUGINS} (apt-get install containernetworking-plugins)`;

let g: Gantry;
let cri: CriHarness;
let confDir: string;
let leaseDir: string;
const bridge = `gcni${randomBytes(3).toString('hex')}`;
const network = `gantry-test-${bridge}`;
const pods = new Set<string>();

/** A /24 in 10.200-249.x.0 that no route on the host overlaps. */
function pickSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!routes.includes(`${prefix}.`)) return `${prefix}.0/24`;
  }
}
const subnet = haveTools ? pickSubnet() : '';
const prefix = subnet.split('.').slice(0, 3).join('.');

const conflist = (plugins: object[], name = network) => JSON.stringify({ cniVersion: '1.0.0', name, plugins });
const bridgePlugin = () => ({
  type: 'bridge',
  bridge,
  isGateway: true,
  ipMasq: true,
  ipam: { type: 'host-local', dataDir: leaseDir, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
});

const criArgs = () => ['--cni-conf-dir', confDir, '--cni-bin-dir', `/nonexistent/cni/bin:${PLUGINS}`];

before(async () => {
  if (skip) return;
  g = await Gantry.create();
  await importPauseImage(g);
  confDir = join(g.dir, 'net.d');
  leaseDir = join(g.dir, 'cni-leases');
  await mkdir(confDir);
  const plugins = [
    bridgePlugin(),
    { type: 'portmap', capabilities: { portMappings: true } },
    // Opens FORWARD for the pods where its policy is DROP (hosts with docker).
    { type: 'firewall', backend: 'iptables' },
    { type: 'bandwidth', capabilities: { bandwidth: true } },
  ];
  await writeFile(join(confDir, '10-test.conflist'), conflist(plugins));
  // Not a config file: ignored.
  await writeFile(join(confDir, '00-notes.txt'), 'not json');
  cri = await startCri(g, criArgs());
});

after(async () => {
  if (skip) return;
  for (const id of pods) {
    await cri?.runtime.call('StopPodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
    await cri?.runtime.call('RemovePodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
  }
  await cri?.stop();
  // The bridge plugin made the bridge on the first ADD and leaves it.
  if (existsSync(`/sys/class/net/${bridge}`)) execFileSync('ip', ['link', 'del', bridge]);
  await g?.cleanup();
  await removeRootfsCache();
});

const sandboxConfig = (name: string, extra: object = {}) => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'cni-test', attempt: 0 },
  hostname: name,
  log_directory: join(g.dir, 'pods', name),
  dns_config: { servers: ['10.96.0.10'], searches: [], options: [] },
  ...extra,
});

async function runPod(name: string, extra: object = {}): Promise<string> {
  const { pod_sandbox_id: id } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig(name, extra) });
  pods.add(id);
  return id;
}

async function startContainer(podId: string, name: string, command: string[]): Promise<string> {
  const { container_id: id } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    sandbox_config: sandboxConfig(name),
    config: { metadata: { name }, image: { image: 'busybox:latest' }, command },
  });
  await cri.runtime.call('StartContainer', { container_id: id });
  return id;
}

async function exec(id: string, cmd: string): Promise<string> {
  const r = await cri.runtime.call('ExecSync', { container_id: id, cmd: ['sh', '-c', cmd], timeout: 20 });
  assert.equal(r.exit_code, 0, `${cmd}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const podIp = async (id: string) => (await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: id })).status.network.ip as string;
const leases = () => (existsSync(join(leaseDir, network)) ? readdirSync(join(leaseDir, network)).filter((f) => f.startsWith(prefix)) : []);
const natRulesOf = (id: string) => execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(id));
const filterRulesOf = (ip: string) => execFileSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`${ip}/32`));
const pinnedNetns = () => (existsSync(join(g.runroot, 'cri', 'netns')) ? readdirSync(join(g.runroot, 'cri', 'netns')) : []);

/** The sandbox's pinned netns file, as PodSandboxStatus tells it. */
async function netnsOf(id: string): Promise<string> {
  const s = await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  return JSON.parse(s.info.info).netns;
}
const pinned = (path: string) => pinnedNetns().includes(basename(path));

/** The processes whose mount table still holds this netns pin. */
function pinMounts(pin: string): string[] {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(pin);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/**
 * The bridge plugin finds a pod's masquerade rules by the addresses in its netns,
 * so a DEL without one leaves them (a reboot, the real case, clears them anyway).
 */
function dropMasqueradeOf(id: string, ip: string): void {
  const jump = natRulesOf(id).find((l) => l.startsWith('-A POSTROUTING'));
  const chain = jump && /-j (CNI-[0-9a-f]+)$/.exec(jump)?.[1];
  if (!chain) return;
  execFileSync('iptables', ['-t', 'nat', '-D', 'POSTROUTING', '-s', `${ip}/32`, '-m', 'comment', '--comment', `name: "${network}" id: "${id}"`, '-j', chain]);
  execFileSync('iptables', ['-t', 'nat', '-F', chain]);
  execFileSync('iptables', ['-t', 'nat', '-X', chain]);
}

/** An HTTP server in a pod container: busybox httpd serving "hello from NAME". */
const httpd = (name: string) => ['sh', '-c', `mkdir -p /www && echo hello from ${name} > /www/index.html && exec httpd -f -p 80 -h /www`];

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path: '/index.html', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('a pod gets an address of the CNI subnet on eth0, shown by PodSandboxStatus', { skip }, async () => {
  const id = await runPod('addr');
  const ip = await podIp(id);
  assert.ok(ip.startsWith(`${prefix}.`), `pod IP ${ip} not in ${subnet}`);
  const c = await startContainer(id, 'addr', ['sleep', '1000']);
  const out = await exec(c, 'ip -4 addr show eth0; cat /etc/resolv.conf');
  assert.match(out, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
  assert.match(out, /nameserver 10\.96\.0\.10/);
  assert.ok(leases().includes(ip));
  const s = await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  const netns = JSON.parse(s.info.info).netns;
  assert.equal(dirname(netns), join(g.runroot, 'cri', 'netns'));
  assert.ok(pinned(netns), 'netns pinned');

  assert.ok(natRulesOf(id).length > 0, 'the bridge plugin masquerades the pod');
  assert.ok(filterRulesOf(ip).length > 0, 'the firewall plugin lets the pod\'s traffic through');

  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: id });
  assert.ok(!leases().includes(ip), 'host-local lease released by DEL');
  assert.deepEqual(natRulesOf(id), [], 'its masquerade rules removed by DEL');
  assert.deepEqual(filterRulesOf(ip), [], 'its firewall rules removed by DEL');
  assert.equal(await podIp(id), '');
  assert.ok(!pinned(netns), 'netns unpinned');
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: id });
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: id });
  pods.delete(id);
});

test('two pods reach each other by IP', { skip }, async () => {
  const a = await runPod('peer-a');
  const b = await runPod('peer-b');
  await startContainer(a, 'web', httpd('peer-a'));
  const client = await startContainer(b, 'client', ['sleep', '1000']);
  const ipA = await podIp(a);
  // httpd may not be listening yet right after StartContainer.
  const get = `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ipA} 80`;
  const out = await exec(client, `for i in $(seq 50); do ${get} | grep hello && exit 0; sleep 0.2; done; exit 1`);
  assert.equal(out.trim(), 'hello from peer-a');
  // peer-b's processes started after peer-a's netns was pinned: no copy of that pin may keep it alive.
  const pinA = await netnsOf(a);
  assert.ok(pinMounts(pinA).length > 0);
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: a });
  assert.deepEqual(pinMounts(pinA), []);
});

test('a hostPort mapping reaches the pod from the host (portmap), and its rules go on DEL', { skip }, async () => {
  const hostPort = await freePort();
  const id = await runPod('ports', { port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: hostPort, host_ip: '' }] });
  await startContainer(id, 'web', httpd('ports'));
  assert.ok(natRulesOf(id).length > 0, 'portmap made DNAT rules for the sandbox');
  let body = '';
  for (let i = 0; i < 50 && !body; i++) body = await httpGet(`${prefix}.1`, hostPort).catch(() => new Promise<string>((r) => setTimeout(() => r(''), 200)));
  assert.equal(body.trim(), 'hello from ports');
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: id });
  assert.deepEqual(natRulesOf(id), []);
});

test('RemovePodSandbox after a service restart releases the network', { skip }, async () => {
  const id = await runPod('restart');
  const ip = await podIp(id);
  const netns = await netnsOf(id);
  await cri.stop();
  cri = await startCri(g, criArgs());
  assert.equal(await podIp(id), ip, 'the CNI result outlives the service');
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: id });
  pods.delete(id);
  assert.ok(!leases().includes(ip));
  assert.ok(!pinned(netns));
  assert.equal((await g.run(['ps', '-aq', '--no-trunc'])).stdout.includes(id), false);
});

test('a sandbox whose netns is gone still stops and is removed cleanly', { skip }, async () => {
  const id = await runPod('gone');
  const ip = await podIp(id);
  // As after a reboot: the pin under the runroot is gone, the cached result is not.
  const pin = await netnsOf(id);
  execFileSync('umount', ['--lazy', pin]);
  await rm(pin);
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: id });
  assert.ok(!leases().includes(ip), 'DEL without a netns still releases the lease');
  dropMasqueradeOf(id, ip);
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: id });
  pods.delete(id);
  assert.equal((await g.run(['ps', '-aq', '--no-trunc'])).stdout.includes(id), false);
});

test('an invalid first config makes NetworkReady false with the parse error; fixing it makes it ready', { skip }, async () => {
  const bad = join(confDir, '05-bad.conflist');
  await writeFile(bad, '{"cniVersion": "1.0.0", "name": "bad", "plugins": [');
  try {
    const conds = (await cri.runtime.call('Status', {})).status.conditions;
    const net = conds.find((c: { type: string }) => c.type === 'NetworkReady');
    assert.equal(net.status, false);
    assert.equal(net.reason, 'NetworkPluginNotReady');
    assert.match(net.message, /cni config load failed: .*05-bad\.conflist: invalid JSON/);
    await assert.rejects(cri.runtime.call('RunPodSandbox', { config: sandboxConfig('bad') }), /cni config invalid/);
  } finally {
    await rm(bad);
  }
  const conds = (await cri.runtime.call('Status', {})).status.conditions;
  assert.equal(conds.find((c: { type: string }) => c.type === 'NetworkReady').status, true);
});

test('a failing plugin fails RunPodSandbox naming network and plugin, and leaves nothing behind', { skip }, async () => {
  const broken = join(confDir, '05-broken.conflist');
  await writeFile(broken, conflist([bridgePlugin(), { type: 'gantry-no-such-plugin' }], 'broken-net'));
  const before = (await g.run(['ps', '-aq', '--no-trunc'])).stdout;
  const pinsBefore = pinnedNetns();
  try {
    await assert.rejects(cri.runtime.call('RunPodSandbox', { config: sandboxConfig('broken') }), (err: Error) => {
      assert.match(err.message, /network "broken-net"/);
      assert.match(err.message, /gantry-no-such-plugin/);
      return true;
    });
  } finally {
    await rm(broken);
  }
  assert.equal((await g.run(['ps', '-aq', '--no-trunc'])).stdout, before, 'no sandbox container left');
  assert.deepEqual(pinnedNetns(), pinsBefore, 'no netns left');
  const brokenLeases = existsSync(join(leaseDir, 'broken-net')) ? readdirSync(join(leaseDir, 'broken-net')).filter((f) => f.startsWith(prefix)) : [];
  assert.deepEqual(brokenLeases, [], 'the bridge plugin was DELeted');
  assert.deepEqual(readdirSync(join(g.root, 'cri', 'cni-results')).filter((f) => f.startsWith('broken-net-')), []);
  assert.deepEqual(natRulesOf('"broken-net"'), []);
});

test('the bandwidth annotations shape the pod\'s traffic (bandwidth plugin)', { skip }, async () => {
  const id = await runPod('shaped', { annotations: { 'kubernetes.io/ingress-bandwidth': '10M' } });
  // The pod's ingress is shaped on its host-side veth, the one port of the bridge with the pod's MAC peer.
  const veths = execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.split(': ')[1]!.split('@')[0]!);
  const qdiscs = veths.map((v) => execFileSync('tc', ['qdisc', 'show', 'dev', v], { encoding: 'utf8' }));
  assert.ok(qdiscs.some((q) => /tbf .*rate 10Mbit/.test(q)), qdiscs.join('\n'));
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: id });
  pods.delete(id);
  const before = (await g.run(['ps', '-aq', '--no-trunc'])).stdout;
  await assert.rejects(cri.runtime.call('RunPodSandbox', { config: sandboxConfig('badrate', { annotations: { 'kubernetes.io/egress-bandwidth': 'fast' } }) }), /egress-bandwidth: invalid quantity "fast"/);
  assert.equal((await g.run(['ps', '-aq', '--no-trunc'])).stdout, before);
});

test('host network pods never call CNI', { skip }, async () => {
  const before = leases().length;
  const id = await runPod('hostnet', { linux: { security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } } });
  assert.equal(await podIp(id), '');
  assert.equal(leases().length, before);
  assert.ok(!pinnedNetns().includes(id));
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: id });
  pods.delete(id);
});
