// Several gantry processes at once: distinct addresses and host ports; a
// process killed mid-setup leaves nothing behind once gc has run; stores that
// share a runroot and a bridge neither collide nor clean up each other's state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EMPTY_LEFTOVERS, leftovers, makeEnv, missingPrereq, run, type NetEnv } from './helpers.js';

const skip = missingPrereq();
const FIXTURE = fileURLToPath(new URL('./fixtures/setup-one.js', import.meta.url));
let env: NetEnv;

before(async () => {
  if (!skip) env = await makeEnv('gtest-cc0', '10.127.0.0/16');
});
after(async () => {
  if (env) await env.cleanup();
});

const childArgs = (id: string, network: string) => [FIXTURE, env.root, env.runroot, env.bridge, env.subnet, id, network];

test('10 concurrent processes get distinct addresses and ports; teardown leaves nothing', { skip }, async () => {
  await env.svc.create({ name: 'ccnet', subnet: '10.128.5.0/24' });
  const ids = Array.from({ length: 10 }, (_, i) => `conc${i}`.padEnd(16, '0'));
  try {
    const outs = await Promise.all(ids.map((id, i) => run(process.execPath, childArgs(id, i % 2 ? 'ccnet' : 'bridge'), { timeout: 120_000 })));
    const results = outs.map((o) => JSON.parse(o.stdout) as { ip: string; port: string });
    assert.equal(new Set(results.map((r) => r.ip)).size, 10);
    assert.equal(new Set(results.map((r) => r.port)).size, 10);
    const inspected = await env.svc.inspect('ccnet');
    assert.equal(Object.keys(inspected.Containers).length, 5);
    // The ccnet members list each other in their hosts files.
    const member = (await env.svc.containerNetworking(ids[1]!))!;
    for (const i of [3, 5, 7, 9]) assert.match(member.hosts, new RegExp(`\\tc-${ids[i]} `));
    await Promise.all(ids.map((id) => env.svc.teardownContainer(id)));
    assert.deepEqual(await leftovers(env, ids, results.map((r) => r.ip)), EMPTY_LEFTOVERS);
  } finally {
    await Promise.all(ids.map((id) => env.svc.teardownContainer(id).catch(() => undefined)));
    await env.svc.remove('ccnet').catch(() => undefined);
  }
});

test('a process killed mid-setup is cleaned up by gc', { skip }, async () => {
  const ids = ['crash0000000000a', 'crash0000000000b', 'crash0000000000c'];
  const cache = join(env.root, 'networks', 'cache');
  for (const [n, id] of ids.entries()) {
    // Its own process group, killed as a whole like a terminal's ^C would (plugins included).
    const child = spawn(process.execPath, childArgs(id, 'bridge'), { detached: true, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill at different points: as soon as the netns exists, during CNI ADD, after the first plugin.
    const deadline = Date.now() + 30_000;
    const reached = () => {
      const entries = existsSync(cache) ? readdirSync(cache).filter((f) => f.includes(id)) : [];
      if (n === 0) return existsSync(join(env.runroot, 'netns', id));
      return entries.length > 0;
    };
    while (!reached() && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    if (n === 2) await new Promise((r) => setTimeout(r, 60));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already done */
    }
    await exited;
  }
  await env.svc.gc(new Set());
  assert.deepEqual(await leftovers(env, ids, []), EMPTY_LEFTOVERS);
  // Addresses are reusable afterwards: no lease was leaked.
  const { stdout } = await run('ip', ['-o', 'link', 'show', 'master', env.bridge]).catch(() => ({ stdout: '' }));
  assert.equal(stdout.trim(), '');
});

test('stores sharing a runroot and a bridge: one store\'s gc leaves the other\'s alone, and reclaims it once that store is gone', { skip }, async () => {
  const rootB = await mkdtemp(join(tmpdir(), 'gantry-net-root-b-'));
  const [idA, idB] = ['sharea0000000000', 'shareb0000000000'];
  try {
    const setup = (root: string, id: string) => run(process.execPath, [FIXTURE, root, env.runroot, env.bridge, env.subnet, id, 'bridge'], { timeout: 60_000 });
    const [a, b] = (await Promise.all([setup(env.root, idA), setup(rootB, idB)])).map((o) => JSON.parse(o.stdout) as { ip: string; port: string });
    assert.notEqual(a!.ip, b!.ip);
    assert.notEqual(a!.port, b!.port);
    // Store A believes nothing of its own runs: its container goes, B's stays whole.
    await env.svc.gc(new Set());
    const ofA = await leftovers(env, [idA], [a!.ip]);
    const ofB = await leftovers(env, [idB], [b!.ip]);
    // Runroot entries and the bridge's veths are listed whoever holds them: B's are the only ones.
    assert.deepEqual({ ...ofA, netns: [], netnsMounts: [], files: [], veths: [] }, EMPTY_LEFTOVERS);
    assert.deepEqual([ofA.netns, ofA.files], [[idB], [idB]]);
    assert.equal(ofB.leases?.length, 1, 'B keeps its lease');
    assert.equal(ofB.ports?.length, 1, 'B keeps its port claim');
    assert.equal(ofB.veths?.length, 1, 'B keeps its veth');
    assert.equal(ofB.iptables?.length, 1, 'B keeps its DNAT element');
    // B's root is deleted with its container still set up (its writer is long dead): any store reclaims.
    await rm(rootB, { recursive: true, force: true });
    await env.svc.gc(new Set());
    const after = await leftovers(env, [idB], []);
    assert.deepEqual({ ...after, veths: [], iptables: [] }, EMPTY_LEFTOVERS);
    // Its port can be published again (the stale DNAT element is replaced).
    const again = await env.svc.setupContainer({ containerId: 'sharec0000000000', containerName: 'c', hostname: 'c', networks: [{ name: 'bridge' }], ports: [{ hostPort: Number(b!.port), containerPort: 80, protocol: 'tcp' }] });
    assert.equal(again.settings.Ports['80/tcp']![0]!.HostPort, b!.port);
    await env.svc.teardownContainer('sharec0000000000');
  } finally {
    await env.svc.teardownContainer('sharec0000000000').catch(() => undefined);
    await rm(rootB, { recursive: true, force: true });
  }
});
