import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfList, validateAddressing, type NetworkMeta } from '../../../src/network/conflist.js';
import { parseProcNetRoute, formatCidr } from '../../../src/network/ipv4.js';

const meta = (over: Partial<NetworkMeta> = {}): NetworkMeta => ({
  id: 'f'.repeat(64),
  created: '2026-01-01T00:00:00Z',
  driver: 'bridge',
  bridge: 'gbr-test',
  subnet: '10.91.3.0/24',
  gateway: '10.91.3.1',
  internal: false,
  options: {},
  labels: {},
  isDefault: false,
  ...over,
});

test('conflist: bridge + host-local -> portmap -> firewall, in CNI format', () => {
  const c = buildConfList('net1', meta({ ipRange: '10.91.3.128/25' }), '/var/lib/gantry/networks/ipam');
  assert.equal(c.cniVersion, '1.0.0');
  assert.equal(c.name, 'net1');
  assert.deepEqual(c.plugins.map((p) => p.type), ['bridge', 'portmap', 'firewall']);
  const bridge = c.plugins[0]!;
  assert.equal(bridge.bridge, 'gbr-test');
  assert.equal(bridge.ipMasq, true);
  assert.deepEqual(bridge.ipam, {
    type: 'host-local',
    dataDir: '/var/lib/gantry/networks/ipam',
    ranges: [[{ subnet: '10.91.3.0/24', gateway: '10.91.3.1', rangeStart: '10.91.3.128', rangeEnd: '10.91.3.254' }]],
    routes: [{ dst: '0.0.0.0/0' }],
  });
  assert.deepEqual(c.plugins[1]!.capabilities, { portMappings: true });
});

test('conflist: internal networks have no masquerade and no default route', () => {
  const bridge = buildConfList('n', meta({ internal: true }), '/x').plugins[0]!;
  assert.equal(bridge.ipMasq, false);
  assert.deepEqual((bridge.ipam as { routes: unknown[] }).routes, []);
});

test('addressing validation', () => {
  assert.throws(() => validateAddressing('10.91.3.0/24', '10.92.0.1'), /no matching subnet for gateway 10.92.0.1/);
  assert.throws(() => validateAddressing('10.91.3.1/24', '10.91.3.1'), /invalid subnet 10.91.3.1\/24: it should be 10.91.3.0\/24/);
  assert.throws(() => validateAddressing('10.91.3.0/24', '10.91.3.1', '10.91.4.0/25'), /no matching subnet for range/);
  validateAddressing('10.91.3.0/24', '10.91.3.1', '10.91.3.0/25');
});

test('/proc/net/route parsing', () => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  ].join('\n');
  assert.deepEqual(parseProcNetRoute(text).map(formatCidr), ['192.0.2.0/24']);
});
