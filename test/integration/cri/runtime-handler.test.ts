// RuntimeClass handlers through gantry system service --cri: a pod whose
// RunPodSandbox names runtime_handler "runc" runs its sandbox and every
// container of it under runc (runc's own list shows them under the engine's
// runroot), exec sync works, stop and remove leave runc's state empty; a
// handler added with --add-runtime; an unknown handler fails RunPodSandbox with
// INVALID_ARGUMENT naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startCri, type CriHarness, importPauseImage } from './cri-client.js';

const RUNC = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => existsSync(p));

let g: Gantry;
let cri: CriHarness;

before(async () => {
  g = await Gantry.create();
  await importPauseImage(g);
  // A handler the service adds by path, as containerd's config maps handler names to runtimes.
  cri = await startCri(g, RUNC ? ['--add-runtime', `added=${RUNC}`] : []);
});

after(async () => {
  await cri?.stop();
  await g?.cleanup();
  await removeRootfsCache();
});

const sandboxConfig = (name: string) => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
  hostname: name,
  log_directory: join(g.dir, 'pods', name),
  labels: {},
  annotations: {},
});

const runcIds = (handler = 'runc') => {
  const root = join(g.runroot, 'runtimes', handler);
  if (!existsSync(root)) return [];
  const list = JSON.parse(execFileSync(RUNC!, ['--root', root, 'list', '--format', 'json']).toString() || 'null') as { id: string; status: string }[] | null;
  return (list ?? []).map((c) => `${c.id} ${c.status}`).sort();
};

test('a pod with runtime_handler runc runs under runc', { skip: RUNC ? false : 'runc is not installed (scripts/install-deps.sh installs it)' }, async () => {
  const config = sandboxConfig('under-runc');
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config, runtime_handler: 'runc' });
  assert.equal((await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId })).status.state, 'SANDBOX_READY');
  const { container_id: id } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    sandbox_config: config,
    config: { metadata: { name: 'main', attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '1000'], log_path: 'main/0.log' },
  });
  await cri.runtime.call('StartContainer', { container_id: id });
  assert.deepEqual(runcIds(), [`${id} running`, `${podId} running`].sort());

  const ex = await cri.runtime.call('ExecSync', { container_id: id, cmd: ['sh', '-c', 'echo out; echo err >&2; hostname; exit 3'], timeout: 10 });
  assert.equal(ex.exit_code, 3);
  assert.equal(Buffer.from(ex.stdout).toString(), 'out\nunder-runc\n');
  assert.equal(Buffer.from(ex.stderr).toString(), 'err\n');

  await cri.runtime.call('StopContainer', { container_id: id, timeout: 1 });
  assert.equal((await cri.runtime.call('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_EXITED');
  await cri.runtime.call('RemoveContainer', { container_id: id });
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  assert.deepEqual(runcIds(), []);
  assert.deepEqual(readdirSync(join(g.runroot, 'runtimes', 'runc')), []);
});

test('a handler added with system service --add-runtime', { skip: RUNC ? false : 'runc is not installed' }, async () => {
  const config = sandboxConfig('added');
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config, runtime_handler: 'added' });
  assert.deepEqual(runcIds('added'), [`${podId} running`]);
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  assert.deepEqual(runcIds('added'), []);
});

test('an unknown runtime_handler fails RunPodSandbox with INVALID_ARGUMENT', async () => {
  await assert.rejects(cri.runtime.call('RunPodSandbox', { config: sandboxConfig('nowhere'), runtime_handler: 'no-such-handler' }), (e: { code: number; details: string }) => {
    assert.equal(e.code, 3);
    assert.match(e.details, /unknown or invalid runtime name: no-such-handler/);
    return true;
  });
  assert.equal((await cri.runtime.call('ListPodSandbox', {})).items.length, 0);
});
