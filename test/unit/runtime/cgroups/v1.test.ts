// cgroup v1 write plans through the recording fake (no root needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingHostFs } from '../../../../src/sys/host-fs.js';
import { openCgroup } from '../../../../src/runtime/cgroups/index.js';
import { parseV1Hierarchies } from '../../../../src/runtime/cgroups/mountinfo.js';
import { isInvalidArgument } from '../../../../src/errdefs/index.js';

const D = '/cg';
const P = '/gantry/c1';
const UNLIMITED = '9223372036854771712';

function hostFs(extra: Record<string, string> = {}) {
  return new RecordingHostFs(
    {
      [`${D}/cpuset/cpuset.cpus`]: '0-3',
      [`${D}/cpuset/cpuset.mems`]: '0',
      // the kernel creates cpuset files empty in a new cgroup
      [`${D}/cpuset/gantry/cpuset.cpus`]: '',
      [`${D}/cpuset/gantry/cpuset.mems`]: '',
      [`${D}/cpuset${P}/cpuset.cpus`]: '',
      [`${D}/cpuset${P}/cpuset.mems`]: '',
      [`${D}/memory${P}/memory.limit_in_bytes`]: UNLIMITED,
      [`${D}/memory${P}/memory.memsw.limit_in_bytes`]: UNLIMITED,
      [`${D}/memory${P}/memory.usage_in_bytes`]: '4096',
      [`${D}/cpu${P}/cpu.shares`]: '1024',
      [`${D}/blkio${P}/blkio.bfq.weight`]: '100',
      ...extra,
    },
    ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'pids', 'blkio', 'systemd'].map((c) => `${D}/${c}`),
  );
}

const open = (fs: RecordingHostFs) => openCgroup({ id: 'c1', version: 1, v1Root: D, fs });
const writesUnder = (fs: RecordingHostFs, ctl: string) => fs.writes().filter(([p]) => p.startsWith(`${D}/${ctl}/`)).map(([p, d]) => [p.slice(`${D}/${ctl}${P}/`.length), d]);

test('mountinfo: one hierarchy per cgroup mount, named by its controllers', () => {
  const info = [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    '99 23 0:32 / /mnt/mem\\040copy rw - cgroup cgroup rw,memory',
  ].join('\n');
  assert.deepEqual(parseV1Hierarchies(info), [
    { controllers: ['cpu', 'cpuacct'], mountPoint: '/sys/fs/cgroup/cpu,cpuacct' },
    { controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory' },
    { controllers: ['name=systemd'], mountPoint: '/sys/fs/cgroup/systemd' },
  ]);
});

test('create makes a directory per hierarchy; cpuset levels inherit cpus and mems', async () => {
  const fs = hostFs();
  const cg = open(fs);
  await cg.create();
  const mkdirs = fs.calls.filter((c) => c.op === 'mkdir').map((c) => c.path);
  assert.ok(mkdirs.includes(`${D}/memory${P}`));
  assert.ok(mkdirs.includes(`${D}/systemd${P}`));
  assert.deepEqual(fs.writes().filter(([p]) => p.startsWith(`${D}/cpuset`)), [
    [`${D}/cpuset/gantry/cpuset.cpus`, '0-3'],
    [`${D}/cpuset/gantry/cpuset.mems`, '0'],
    [`${D}/cpuset${P}/cpuset.cpus`, '0-3'],
    [`${D}/cpuset${P}/cpuset.mems`, '0'],
  ]);
  assert.deepEqual(cg.procsFiles().sort(), ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd'].map((c) => `${D}/${c}${P}/cgroup.procs`).sort());
});

test('memory: growing writes memsw first, shrinking writes the limit first', async () => {
  const fs = hostFs();
  const cg = open(fs);
  await cg.apply({ memory: { limit: 100 << 20, swap: 200 << 20, reservation: 50 << 20, swappiness: 10, disableOOMKiller: true } });
  assert.deepEqual(writesUnder(fs, 'memory'), [
    ['memory.limit_in_bytes', String(100 << 20)],
    ['memory.memsw.limit_in_bytes', String(200 << 20)],
    ['memory.soft_limit_in_bytes', String(50 << 20)],
    ['memory.swappiness', '10'],
    ['memory.oom_control', '1'],
  ]);
  const grow = hostFs({ [`${D}/memory${P}/memory.limit_in_bytes`]: String(10 << 20) });
  await open(grow).apply({ memory: { limit: 100 << 20, swap: -1 } });
  assert.deepEqual(writesUnder(grow, 'memory'), [
    ['memory.memsw.limit_in_bytes', '-1'],
    ['memory.limit_in_bytes', String(100 << 20)],
  ]);
  const unlimited = hostFs();
  await open(unlimited).apply({ memory: { limit: -1 } });
  assert.deepEqual(writesUnder(unlimited, 'memory'), [
    ['memory.memsw.limit_in_bytes', '-1'],
    ['memory.limit_in_bytes', '-1'],
  ]);
});

test('memory: kernelTCP lands in memory.kmem.tcp.limit_in_bytes; kernel is only warned about', async () => {
  const fs = hostFs({ [`${D}/memory${P}/memory.kmem.tcp.limit_in_bytes`]: UNLIMITED });
  const warnings: string[] = [];
  await openCgroup({ id: 'c1', version: 1, v1Root: D, fs, onWarning: (w) => warnings.push(w) }).apply({ memory: { kernel: 64 << 20, kernelTCP: 16 << 20 } });
  assert.deepEqual(writesUnder(fs, 'memory'), [['memory.kmem.tcp.limit_in_bytes', String(16 << 20)]]);
  assert.deepEqual(warnings, ['kernel memory limits are deprecated in the kernel: linux.resources.memory.kernel ignored']);
  await assert.rejects(open(hostFs()).apply({ memory: { kernelTCP: 1 << 20 } }), (e: Error) => isInvalidArgument(e) && /memory\.kmem\.tcp\.limit_in_bytes does not exist/.test(e.message));
  await assert.rejects(open(fs).apply({ memory: { kernelTCP: -2 } }), (e: Error) => isInvalidArgument(e) && /memory\.kmem\.tcp\.limit_in_bytes/.test(e.message));
});

test('memory: swap without swap accounting, swap below limit, and bad values are errors', async () => {
  const fs = hostFs();
  fs.files.delete(`${D}/memory${P}/memory.memsw.limit_in_bytes`);
  await assert.rejects(open(fs).apply({ memory: { limit: 1 << 20, swap: 2 << 20 } }), /memory\.memsw\.limit_in_bytes does not exist/);
  await assert.rejects(open(hostFs()).apply({ memory: { limit: 2 << 20, swap: 1 << 20 } }), /memory\+swap limit should be >= memory limit/);
  await assert.rejects(open(hostFs()).apply({ memory: { limit: -5 } }), (e: Error) => isInvalidArgument(e) && /memory\.limit_in_bytes/.test(e.message) && /"-5"/.test(e.message));
  await assert.rejects(open(hostFs()).apply({ memory: { swappiness: 101 } }), /memory\.swappiness/);
});

test('cpu, pids, blkio (BFQ fallback) and devices', async () => {
  const fs = hostFs();
  const cg = open(fs);
  await cg.create();
  fs.calls.length = 0;
  await cg.apply({
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '1', mems: '0' },
    pids: { limit: 100 },
    blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }] },
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: true, type: 'c', major: 136, access: 'rwm' },
    ],
  });
  assert.deepEqual(writesUnder(fs, 'cpu'), [['cpu.shares', '1024'], ['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', '50000']]);
  assert.deepEqual(writesUnder(fs, 'cpuset'), [['cpuset.cpus', '1'], ['cpuset.mems', '0']]);
  assert.deepEqual(writesUnder(fs, 'pids'), [['pids.max', '100']]);
  assert.deepEqual(writesUnder(fs, 'blkio'), [
    ['blkio.bfq.weight', '300'],
    ['blkio.throttle.read_bps_device', '8:0 1048576'],
    ['blkio.throttle.write_iops_device', '8:0 100'],
  ]);
  assert.deepEqual(writesUnder(fs, 'devices'), [
    ['devices.deny', 'a'],
    ['devices.deny', 'a *:* rwm'],
    ['devices.allow', 'c 1:3 rwm'],
    ['devices.allow', 'c 136:* rwm'],
  ]);
});

/** Clamps cpu.shares like a kernel with a lower maximum would. */
class ClampingFs extends RecordingHostFs {
  override async writeFile(path: string, data: string): Promise<void> {
    await super.writeFile(path, path.endsWith('/cpu.shares') ? String(Math.min(Number(data), 1000)) : data);
  }
}

test('cpu shares the kernel clamps are reported; unified is refused on v1', async () => {
  const fs = new ClampingFs(Object.fromEntries(hostFs().files), [`${D}/cpu`]);
  const cg = openCgroup({ id: 'c1', version: 1, v1Root: D, fs });
  await cg.apply({ cpu: { shares: 512 } });
  await assert.rejects(cg.apply({ cpu: { shares: 2000 } }), /the maximum allowed cpu-shares is 1000/);
  await assert.rejects(cg.apply({ cpu: { shares: 300000 } }), (e: Error) => isInvalidArgument(e) && /cpu\.shares/.test(e.message));
  await assert.rejects(cg.apply({ unified: { 'memory.high': '1G' } }), /cannot use unified on cgroup v1/);
});

test('missing hierarchies are dropped; limits on them fail clearly', async () => {
  const fs = new RecordingHostFs({}, [`${D}/memory`]);
  const cg = open(fs);
  await cg.create();
  assert.deepEqual(cg.procsFiles(), [`${D}/memory${P}/cgroup.procs`]);
  await assert.rejects(cg.apply({ pids: { limit: 10 } }), /cgroup controller "pids" is not mounted/);
});

test('v1 stats and oom kills parse the control files', async () => {
  const fs = hostFs({
    [`${D}/cpuacct${P}/cpuacct.usage`]: '5000000',
    [`${D}/cpuacct${P}/cpuacct.usage_percpu`]: '3000000 2000000 ',
    [`${D}/cpuacct${P}/cpuacct.stat`]: 'user 3\nsystem 1\n',
    [`${D}/cpu${P}/cpu.stat`]: 'nr_periods 10\nnr_throttled 2\nthrottled_time 777\n',
    [`${D}/memory${P}/memory.max_usage_in_bytes`]: '8192',
    [`${D}/memory${P}/memory.failcnt`]: '1',
    [`${D}/memory${P}/memory.stat`]: 'cache 100\nrss 200\ntotal_cache 150\n',
    [`${D}/memory${P}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    [`${D}/pids${P}/pids.current`]: '3',
    [`${D}/pids${P}/pids.max`]: 'max',
    [`${D}/blkio${P}/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n',
  });
  const cg = open(fs);
  const s = await cg.stats();
  assert.deepEqual(s.cpu.usage, { total: 5000000, percpu: [3000000, 2000000], user: 30000000, kernel: 10000000 });
  assert.deepEqual(s.cpu.throttling, { periods: 10, throttledPeriods: 2, throttledTime: 777 });
  assert.equal(s.memory.usage.usage, 4096);
  assert.equal(s.memory.usage.max, 8192);
  assert.equal(s.memory.usage.limit, Number(UNLIMITED));
  assert.equal(s.memory.cache, 150);
  assert.equal(s.memory.raw?.['rss'], 200);
  assert.deepEqual(s.pids, { current: 3 });
  assert.deepEqual((s.blkio as { ioServiceBytesRecursive: unknown[] }).ioServiceBytesRecursive, [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 0 },
  ]);
  assert.equal(await cg.oomKillCount(), 2);
});
