// `gantry network ...` end to end through the CLI binary: docker's columns,
// JSON shapes, exit codes and error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPrereq } from './helpers.js';

const skip = missingPrereq();
const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

function gantry(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('network create/ls/inspect/rm through the CLI', { skip }, async () => {
  const env = { GANTRY_ROOT: await mkdtemp(join(tmpdir(), 'gantry-netcli-root-')), GANTRY_RUNROOT: await mkdtemp(join(tmpdir(), 'gantry-netcli-run-')) };
  try {
    const created = await gantry(env, 'network', 'create', '--subnet', '10.133.1.0/24', '--label', 'team=a', '-o', 'com.docker.network.bridge.name=gtest-cli0', 'clinet');
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const ls = await gantry(env, 'network', 'ls');
    const lines = ls.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NETWORK ID\s{5}NAME\s{6}DRIVER\s{4}SCOPE$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(1)), [
      ['bridge', 'bridge', 'local'],
      ['clinet', 'bridge', 'local'],
      ['host', 'host', 'local'],
      ['none', 'null', 'local'],
    ]);
    assert.equal((await gantry(env, 'network', 'ls', '-q', '--filter', 'label=team=a', '--no-trunc')).stdout, `${id}\n`);
    assert.equal((await gantry(env, 'network', 'ls', '--format', '{{.Name}}:{{.Labels}}', '-f', 'type=custom')).stdout, 'clinet:team=a\n');

    const inspect = await gantry(env, 'network', 'inspect', 'clinet');
    const [rec] = JSON.parse(inspect.stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(rec!), ['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);
    assert.deepEqual(rec!.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.133.1.0/24', Gateway: '10.133.1.1' }] });
    assert.equal((await gantry(env, 'network', 'inspect', '-f', '{{.Driver}} {{index .Labels "team"}}', 'clinet')).stdout, 'bridge a\n');

    const missing = await gantry(env, 'network', 'inspect', 'nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '[]\n');
    assert.equal(missing.stderr, 'Error: No such network: nope\n');

    const dup = await gantry(env, 'network', 'create', 'clinet');
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /network with name clinet already exists/);

    const rmBuiltin = await gantry(env, 'network', 'rm', 'bridge');
    assert.equal(rmBuiltin.code, 1);
    assert.equal(rmBuiltin.stderr, 'Error response from daemon: bridge is a pre-defined network and cannot be removed\n');
    const removed = await gantry(env, 'network', 'rm', 'clinet');
    assert.equal(removed.stdout, 'clinet\n');
    assert.equal((await gantry(env, 'network', 'rm', '-f', 'clinet')).code, 0);
    assert.equal((await gantry(env, 'network', 'prune', '-f')).stdout, '');
  } finally {
    await rm(env.GANTRY_ROOT, { recursive: true, force: true });
    await rm(env.GANTRY_RUNROOT, { recursive: true, force: true });
  }
});
