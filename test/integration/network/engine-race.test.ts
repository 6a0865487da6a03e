// bin/gantry under concurrency: `run -d` of new containers while `rm -f` removes
// others (each rm runs repair, whose network gc must not take an in-progress or
// just-finished setup for an orphan), and two stores (--root) sharing one bridge
// and one subnet without handing out an address, a MAC or a host port twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNetworkService } from '../../../src/network/index.js';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { EMPTY_LEFTOVERS, leftovers, missingPrereq, removeBridge, run, type NetEnv } from './helpers.js';

const skip = missingPrereq();
const RACE = { bridge: 'gtrace0', subnet: '10.134.0.0/24' };
const SHARED = { bridge: 'gtshr0', subnet: '10.135.0.0/24' };

const gantries: Gantry[] = [];
/** Run directories shared by stores: removed after the stores' cleanup (whose commands make them again). */
const sharedRunroots: string[] = [];
after(async () => {
  for (const g of gantries) await g.cleanup().catch(() => undefined);
  for (const dir of sharedRunroots) await rm(dir, { recursive: true, force: true });
  for (const b of [RACE, SHARED]) await removeBridge(b.bridge);
  if (!skip) await removeRootfsCache();
});

/** A store whose default network is `net` (its conflist is written before the first run). */
async function store(net: { bridge: string; subnet: string }, runroot?: string): Promise<{ g: Gantry; env: NetEnv }> {
  const g = await Gantry.create(runroot ? { runroot } : {});
  gantries.push(g);
  const svc = await openNetworkService({ root: g.root, runroot: g.runroot, defaultNetwork: net });
  await svc.list();
  return { g, env: { svc, root: g.root, runroot: g.runroot, bridge: net.bridge, subnet: net.subnet, cleanup: async () => undefined } };
}

async function ok(g: Gantry, args: string[]): Promise<string> {
  const r = await g.run(args);
  assert.equal(r.code, 0, `gantry ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs the jobs with at most `width` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** Per container: the address and MAC eth0 has inside its namespace (seen through its pid), and what inspect says. */
async function interfaces(g: Gantry, ids: string[]): Promise<{ id: string; inside: string; mac: string; inspected: string; inspectedMac: string }[]> {
  const lines = (await ok(g, ['inspect', '-f', '{{.Id}} {{.State.Pid}} {{.NetworkSettings.IPAddress}} {{.NetworkSettings.MacAddress}}', ...ids])).trim().split('\n');
  return Promise.all(
    lines.map(async (l) => {
      const [id = '', pid = '', inspected = '', inspectedMac = ''] = l.split(' ');
      const { stdout } = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-o', 'addr', 'show', 'dev', 'eth0']).catch((err: { stderr?: string }) => ({ stdout: `no eth0: ${err.stderr ?? ''}` }));
      const { stdout: link } = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-o', 'link', 'show', 'dev', 'eth0']).catch(() => ({ stdout: '' }));
      return { id, inside: /inet (\S+)\//.exec(stdout)?.[1] ?? stdout.trim(), mac: /link\/ether (\S+)/.exec(link)?.[1] ?? '', inspected, inspectedMac };
    }),
  );
}

test('40 run -d in parallel with rm -f of 20 others: every started container has eth0 with its address; nothing leaks', { skip }, async () => {
  const { g, env } = await store(RACE);
  const start = () => ok(g, ['run', '-d', 'busybox', 'sleep', '1000']).then((o) => o.trim());
  const victims = await pool(Array.from({ length: 20 }, () => start), 4);
  // Interleaved: a removal after every second start, all of it 6 processes wide.
  const jobs: (() => Promise<string | undefined>)[] = [];
  for (let i = 0; i < 40; i++) {
    jobs.push(start);
    if (i % 2 === 1) {
      const victim = victims[(i - 1) / 2]!;
      jobs.push(() => ok(g, ['rm', '-f', victim]).then(() => undefined));
    }
  }
  const started = (await pool(jobs, 6)).filter((x): x is string => x !== undefined);
  assert.equal(started.length, 40);
  const seen = await interfaces(g, started);
  for (const s of seen) {
    assert.match(s.inside, /^10\.134\.0\.\d+$/, `container ${s.id.slice(0, 12)} has no address on eth0: ${s.inside}`);
    assert.equal(s.inside, s.inspected, `container ${s.id.slice(0, 12)}: inspect says ${s.inspected}, eth0 has ${s.inside}`);
  }
  assert.equal(new Set(seen.map((s) => s.inside)).size, 40, 'addresses are distinct');
  const ips = seen.map((s) => s.inside);
  await ok(g, ['rm', '-f', ...started]);
  assert.deepEqual(await leftovers(env, [...victims, ...started], ips), EMPTY_LEFTOVERS);
});

test('two stores (--root) sharing a bridge, a subnet and a run directory: distinct addresses and MACs, one owner per host port', { skip }, async () => {
  const runroot = await mkdtemp(join(tmpdir(), 'gantry-net-shared-run-'));
  sharedRunroots.push(runroot);
  try {
    const stores = [await store(SHARED, runroot), await store(SHARED, runroot)];
    const perStore = 8;
    const jobs = stores.flatMap(({ g }) => Array.from({ length: perStore }, () => () => ok(g, ['run', '-d', 'busybox', 'sleep', '1000']).then((o) => ({ g, id: o.trim() }))));
    // Interleave the two stores' runs.
    const order = jobs.map((_, i) => jobs[(i % 2) * perStore + Math.floor(i / 2)]!);
    const started = await pool(order, 6);
    // Each store's repair (ps runs it) must leave the other store's containers alone.
    for (const { g } of stores) await ok(g, ['ps', '-a']);
    const seen = (await Promise.all(stores.map(({ g }) => interfaces(g, started.filter((s) => s.g === g).map((s) => s.id))))).flat();
    assert.equal(seen.length, 2 * perStore);
    for (const s of seen) {
      assert.match(s.inside, /^10\.135\.0\.\d+$/, `container ${s.id.slice(0, 12)} has no address on eth0: ${s.inside}`);
      assert.equal(s.inside, s.inspected);
      assert.equal(s.mac, s.inspectedMac);
    }
    assert.equal(new Set(seen.map((s) => s.inside)).size, seen.length, `addresses handed out twice: ${seen.map((s) => s.inside).sort().join(' ')}`);
    assert.equal(new Set(seen.map((s) => s.mac)).size, seen.length, `MACs handed out twice: ${seen.map((s) => s.mac).sort().join(' ')}`);
    // Both stores' containers reach the gateway and each other.
    const [a, b] = [started.find((s) => s.g === stores[0]!.g)!, started.find((s) => s.g === stores[1]!.g)!];
    const ipOf = (id: string) => seen.find((s) => s.id === id)!.inside;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      await ok(from.g, ['exec', from.id, 'ping', '-c1', '-W3', '10.135.0.1']);
      await ok(from.g, ['exec', from.id, 'ping', '-c1', '-W3', ipOf(to.id)]);
    }
    // A host port published by one store is taken for the other.
    const port = 18000 + Math.floor(Math.random() * 1000);
    await ok(stores[0]!.g, ['run', '-d', '--name', 'pub', '-p', `${port}:80`, 'busybox', 'sleep', '1000']);
    const taken = await stores[1]!.g.run(['run', '-d', '--name', 'pub', '-p', `${port}:80`, 'busybox', 'sleep', '1000']);
    assert.equal(taken.code, 125, taken.stderr);
    assert.match(taken.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    for (const { g } of stores) {
      const ids = (await ok(g, ['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
      await ok(g, ['rm', '-f', ...ids]);
    }
    for (const { env } of stores) assert.deepEqual(await leftovers(env, started.map((s) => s.id), seen.map((s) => s.inside)), EMPTY_LEFTOVERS);
  } finally {
    for (const m of (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(runroot))) {
      await run('umount', ['-l', m]).catch(() => undefined);
    }
    await rm(runroot, { recursive: true, force: true });
  }
});
