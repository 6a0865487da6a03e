// docker stats' figures from the stats JSON, as docker's CLI computes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPercent, memUsageNoCache, statsRow } from '../../../src/cli/stats-figures.js';
import type { ContainerStatsJSON, CpuStats } from '../../../src/engine/api.js';

const cpu = (total: number, system: number): CpuStats => ({ cpu_usage: { total_usage: total, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: system, online_cpus: 4, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });

const frame = (over: Partial<ContainerStatsJSON>): ContainerStatsJSON => ({
  id: 'a'.repeat(64),
  name: '/x1',
  read: '',
  preread: '',
  pids_stats: { current: 3 },
  num_procs: 0,
  cpu_stats: cpu(1.5e9, 108e9),
  precpu_stats: cpu(1e9, 100e9),
  memory_stats: { usage: 10000, limit: 20000, stats: { inactive_file: 2000 } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 100 }, { major: 8, minor: 0, op: 'write', value: 50 }] },
  networks: { eth0: { rx_bytes: 10, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 20, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } },
  ...over,
});

test("CPU %: half a CPU-second over 2 s of host time on 4 CPUs is 25 % (docker's calculateCPUPercentUnix)", () => {
  assert.equal(cpuPercent(frame({})), 25);
  assert.equal(cpuPercent(frame({ precpu_stats: cpu(1.5e9, 108e9) })), 0);
});

test('memory usage leaves out the inactive page cache (v1 total_inactive_file, v2 inactive_file)', () => {
  const mem = (stats: Record<string, number>) => memUsageNoCache({ usage: 10000, stats });
  assert.equal(mem({ total_inactive_file: 4000 }), 6000);
  assert.equal(mem({ inactive_file: 3000 }), 7000);
  assert.equal(mem({ total_inactive_file: 20000 }), 10000);
});

test('a row has docker columns; a not-running frame shows zeros', () => {
  const sizes = { human: (n: number) => `${n}B`, binary: (n: number) => `${n}B` };
  assert.deepEqual(statsRow(frame({}), 'x1', sizes, false), {
    Container: 'x1', ID: 'a'.repeat(12), Name: 'x1', CPUPerc: '25.00%', MemUsage: '8000B / 20000B', MemPerc: '40.00%', NetIO: '10B / 20B', BlockIO: '100B / 50B', PIDs: '3',
  });
  const zero = statsRow(frame({ cpu_stats: cpu(0, 0), precpu_stats: cpu(0, 0), memory_stats: {}, blkio_stats: { io_service_bytes_recursive: null }, pids_stats: {}, networks: {} }), 'x1', sizes, true);
  assert.deepEqual([zero.ID, zero.CPUPerc, zero.MemUsage, zero.MemPerc, zero.NetIO, zero.BlockIO, zero.PIDs], ['a'.repeat(64), '0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0']);
});
