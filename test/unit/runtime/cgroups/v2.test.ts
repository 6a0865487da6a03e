// cgroup v2 write plans and conversions through the recording fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingHostFs } from '../../../../src/sys/host-fs.js';
import { openCgroup } from '../../../../src/runtime/cgroups/index.js';
import { sharesToWeight, cpuMaxValue } from '../../../../src/runtime/cgroups/v2/cpu.js';
import { blkioWeightToIoWeight } from '../../../../src/runtime/cgroups/v2/io.js';
import { swapToV2 } from '../../../../src/runtime/cgroups/v2/memory.js';

const R = '/v2';
const P = '/gantry/c1';
const DIR = `${R}${P}`;

function hostFs(extra: Record<string, string> = {}) {
  return new RecordingHostFs({
    [`${R}/cgroup.controllers`]: 'cpuset cpu io memory hugetlb pids',
    [`${R}/cgroup.subtree_control`]: 'cpu',
    [`${R}/gantry/cgroup.controllers`]: 'cpuset cpu io memory hugetlb pids',
    [`${R}/gantry/cgroup.subtree_control`]: '',
    [`${DIR}/cgroup.controllers`]: 'cpuset cpu io memory hugetlb pids',
    [`${DIR}/memory.swap.max`]: 'max',
    [`${DIR}/cgroup.kill`]: '',
    ...extra,
  });
}
const open = (fs: RecordingHostFs, warnings: string[] = []) => openCgroup({ id: 'c1', version: 2, v2Root: R, fs, onWarning: (w) => warnings.push(w) });
const writes = (fs: RecordingHostFs) => fs.writes().map(([p, d]) => [p.startsWith(`${DIR}/`) ? p.slice(DIR.length + 1) : p, d]);

test('conversions match runc and crun', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(cpuMaxValue(50000, 100000), '50000 100000');
  assert.equal(cpuMaxValue(-1, undefined), 'max 100000');
  assert.equal(cpuMaxValue(undefined, 20000), 'max 20000');
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  assert.equal(swapToV2(300, 100), 200);
  assert.equal(swapToV2(0, -1), -1);
  assert.equal(swapToV2(-1, 100), -1);
  assert.equal(swapToV2(0, 100), 0);
  assert.throws(() => swapToV2(50, 100), /memory\+swap limit should be >= memory limit/);
  assert.throws(() => swapToV2(50, 0), /unable to set swap limit without memory limit/);
});

test('create delegates the available controllers down to the parent', async () => {
  const fs = hostFs();
  const cg = open(fs);
  await cg.create();
  assert.deepEqual(cg.procsFiles(), [`${DIR}/cgroup.procs`]);
  assert.deepEqual(fs.writes(), [
    [`${R}/cgroup.subtree_control`, '+cpuset'],
    [`${R}/cgroup.subtree_control`, '+io'],
    [`${R}/cgroup.subtree_control`, '+memory'],
    [`${R}/cgroup.subtree_control`, '+hugetlb'],
    [`${R}/cgroup.subtree_control`, '+pids'],
    ...['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'].map((c) => [`${R}/gantry/cgroup.subtree_control`, `+${c}`]),
  ]);
});

test('kernel and kernelTCP are warned about on v2, like runc: there are no such files', async () => {
  const fs = hostFs();
  const warnings: string[] = [];
  await open(fs, warnings).apply({ memory: { kernel: 64 << 20, kernelTCP: 16 << 20 } });
  assert.deepEqual(writes(fs), []);
  assert.deepEqual(warnings, ['kernel memory limits are not supported on cgroup v2: linux.resources.memory.kernel and kernelTCP ignored']);
});

test('apply writes converted limits', async () => {
  const fs = hostFs();
  const warnings: string[] = [];
  await open(fs, warnings).apply({
    memory: { limit: 100 << 20, swap: 300 << 20, reservation: 50 << 20, swappiness: 60 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: -1 },
    blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 0 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
    unified: { 'memory.high': '90M', 'cgroup.max.depth': '3' },
  });
  assert.deepEqual(writes(fs), [
    ['memory.swap.max', String(200 << 20)],
    ['memory.max', String(100 << 20)],
    ['memory.low', String(50 << 20)],
    ['cpu.weight', '39'],
    ['cpu.max', '50000 100000'],
    ['cpuset.cpus', '0-1'],
    ['cpuset.mems', '0'],
    ['pids.max', 'max'],
    ['io.weight', '4950'],
    ['io.weight', '8:0 10000'],
    ['io.max', '8:0 rbps=1000'],
    ['io.max', '8:16 wiops=max'],
    ['hugetlb.2MB.max', '4194304'],
    ['memory.high', '90M'],
    ['cgroup.max.depth', '3'],
  ]);
  assert.deepEqual(warnings, ['memory.swappiness is not supported on cgroup v2: ignored']);
});

test('unlimited memory means unlimited swap; unknown unified controllers are refused', async () => {
  const fs = hostFs();
  await open(fs).apply({ memory: { limit: -1 } });
  assert.deepEqual(writes(fs), [['memory.swap.max', 'max'], ['memory.max', 'max']]);
  await assert.rejects(open(hostFs()).apply({ unified: { 'rdma.max': 'x' } }), /controller "rdma" not available/);
  await assert.rejects(open(hostFs()).apply({ unified: { '../escape': 'x' } }), /not a cgroup file name/);
  const noSwap = hostFs();
  noSwap.files.delete(`${DIR}/memory.swap.max`);
  await assert.rejects(open(noSwap).apply({ memory: { limit: 1 << 20, swap: 2 << 20 } }), /memory\.swap\.max does not exist/);
});

test('device rules on v2 are reported as not enforced (BPF needed)', async () => {
  const warnings: string[] = [];
  await open(hostFs(), warnings).apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] as string, /BPF_CGROUP_DEVICE program, which is not implemented: not enforced \(deny a \*:\* rwm; allow c 1:3 rw\)/);
  const none: string[] = [];
  await open(hostFs(), none).apply({ devices: [{ allow: true, access: 'rwm' }] });
  assert.deepEqual(none, []);
});

test('freeze polls cgroup.events; SIGKILL uses cgroup.kill', async () => {
  const fs = hostFs({ [`${DIR}/cgroup.events`]: 'populated 1\nfrozen 1\n' });
  const cg = open(fs);
  await cg.freeze();
  assert.equal(await cg.isFrozen(), true);
  await cg.signalAll(9);
  assert.deepEqual(writes(fs), [['cgroup.freeze', '1'], ['cgroup.kill', '1']]);
});

test('v2 stats parse cpu.stat, memory and io.stat', async () => {
  const fs = hostFs({
    [`${DIR}/cpu.stat`]: 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n',
    [`${DIR}/memory.current`]: '4096',
    [`${DIR}/memory.peak`]: '8192',
    [`${DIR}/memory.max`]: '1048576',
    [`${DIR}/memory.stat`]: 'anon 100\nfile 300\n',
    [`${DIR}/memory.events`]: 'low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n',
    [`${DIR}/memory.swap.current`]: '0',
    [`${DIR}/pids.current`]: '2',
    [`${DIR}/pids.max`]: '10',
    [`${DIR}/io.stat`]: '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
    [`${DIR}/hugetlb.2MB.current`]: '0',
    [`${DIR}/hugetlb.2MB.max`]: 'max',
  });
  const cg = open(fs);
  const s = await cg.stats();
  assert.deepEqual(s.cpu, { usage: { total: 1500000, user: 1000000, kernel: 500000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 20000 } });
  assert.deepEqual(s.memory.usage, { usage: 4096, max: 8192, limit: 1048576, failcnt: 5 });
  assert.equal(s.memory.cache, 300);
  assert.equal(s.memory.swap?.usage, 0);
  assert.deepEqual(s.pids, { current: 2, limit: 10 });
  assert.deepEqual(s.blkio, { ioStat: [{ major: 8, minor: 0, values: { rbytes: 4096, wbytes: 0, rios: 1, wios: 0, dbytes: 0, dios: 0 } }] });
  assert.ok(s.hugetlb && '2MB' in s.hugetlb);
  assert.equal(await cg.oomKillCount(), 1);
});
