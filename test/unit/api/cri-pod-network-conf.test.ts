// Which CNI config the CRI pods get from the conf dir: the first *.conflist,
// *.conf or *.json file by name; a single-plugin .conf wrapped as a conflist;
// a first file that does not parse reported, not skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPodNetworkConf, parseNetworkConf } from '../../../src/api/cri/pod-network-conf.js';

async function withConfDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-cni-conf-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const list = (name: string) => JSON.stringify({ cniVersion: '1.0.0', name, plugins: [{ type: 'bridge' }] });

test('a missing or config-less conf dir means no CNI', async () => {
  assert.deepEqual(await loadPodNetworkConf('/nonexistent/gantry/net.d'), { kind: 'none' });
  await withConfDir({ 'README': 'x', 'a.conflist.bak': list('bak') }, async (dir) => {
    assert.deepEqual(await loadPodNetworkConf(dir), { kind: 'none' });
  });
});

test('the lexicographically first config file wins, whatever its extension', async () => {
  await withConfDir({ '20-b.conflist': list('b'), '10-a.json': JSON.stringify({ cniVersion: '0.4.0', name: 'a', type: 'ptp' }), '99-z.conf': list('z') }, async (dir) => {
    const c = await loadPodNetworkConf(dir);
    assert.equal(c.kind, 'cni');
    assert.ok(c.kind === 'cni' && c.file === join(dir, '10-a.json'));
    assert.ok(c.kind === 'cni' && c.conf.name === 'a');
  });
});

test('a .conf is one plugin, wrapped as a conflist of its name and version', () => {
  const c = parseNetworkConf(JSON.stringify({ cniVersion: '0.4.0', name: 'n', type: 'bridge', bridge: 'br9', ipam: { type: 'host-local' } }), '/x/10.conf');
  assert.deepEqual(c, { cniVersion: '0.4.0', name: 'n', plugins: [{ type: 'bridge', bridge: 'br9', ipam: { type: 'host-local' } }] });
});

test('an invalid first file is reported with its path and the reason', async () => {
  await withConfDir({ '05-bad.conflist': '{"name":', '10-good.conflist': list('good') }, async (dir) => {
    const c = await loadPodNetworkConf(dir);
    assert.equal(c.kind, 'invalid');
    assert.ok(c.kind === 'invalid' && /05-bad\.conflist: invalid JSON/.test(c.error));
  });
  assert.throws(() => parseNetworkConf(JSON.stringify({ cniVersion: '1.0.0', plugins: [{ type: 'bridge' }] }), 'f.conflist'), /no network "name"/);
  assert.throws(() => parseNetworkConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [] }), 'f.conflist'), /non-empty list/);
  assert.throws(() => parseNetworkConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ bridge: 'x' }] }), 'f.conflist'), /plugins\[0\]: plugin has no "type"/);
  assert.throws(() => parseNetworkConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n' }), 'f.conf'), /f\.conf: plugin has no "type"/);
});
