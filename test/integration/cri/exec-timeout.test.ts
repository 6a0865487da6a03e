// ExecSync past its timeout through gantry system service --cri: the call fails
// with DEADLINE_EXCEEDED and containerd's text, and the command is killed, not
// left running in the container (a kubelet's timed-out exec probes would pile
// up). Under the built-in runtime and under runc (runtime_handler), where the
// killed process must be the command, not only the `runc exec` above it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startCri, type CriHarness, importPauseImage } from './cri-client.js';

const RUNC = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => existsSync(p));
const DEADLINE_EXCEEDED = 4;

let g: Gantry;
let cri: CriHarness;

before(async () => {
  g = await Gantry.create();
  await importPauseImage(g);
  cri = await startCri(g);
});

after(async () => {
  await cri?.stop();
  await g?.cleanup();
  await removeRootfsCache();
});

/** Host processes whose command line mentions `text`. */
function hostProcesses(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (args.includes(text)) found.push(`${pid} ${args}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

for (const handler of ['', 'runc']) {
  const name = handler ? `under runtime_handler ${handler}` : 'under the built-in runtime';
  test(`ExecSync past its timeout fails with DEADLINE_EXCEEDED and kills the command (${name})`, { skip: handler && !RUNC ? 'runc is not installed (scripts/install-deps.sh installs it)' : false }, async (t) => {
    const pod = `timeout-${handler || 'builtin'}`;
    const config = { metadata: { name: pod, uid: `uid-${pod}`, namespace: 'default', attempt: 0 }, hostname: pod, log_directory: join(g.dir, 'pods', pod), labels: {}, annotations: {} };
    const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config, runtime_handler: handler });
    try {
      const { container_id: id } = await cri.runtime.call('CreateContainer', {
        pod_sandbox_id: podId,
        sandbox_config: config,
        config: { metadata: { name: 'main', attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '1000'], log_path: 'main/0.log' },
      });
      await cri.runtime.call('StartContainer', { container_id: id });

      const started = Date.now();
      await assert.rejects(cri.runtime.call('ExecSync', { container_id: id, cmd: ['sleep', '30'], timeout: 1 }), (e: { code: number; details: string }) => {
        assert.equal(e.code, DEADLINE_EXCEEDED);
        assert.equal(e.details, 'failed to exec in container: timeout 1s exceeded: context deadline exceeded');
        return true;
      });
      t.diagnostic(`ExecSync with timeout 1 returned after ${Date.now() - started} ms`);

      const ps = (await cri.runtime.call('ExecSync', { container_id: id, cmd: ['ps', '-o', 'args'], timeout: 10 })).stdout.toString();
      assert.doesNotMatch(ps, /sleep 30/);
      // nor a `runc exec` into the container left waiting on the host
      if (handler) assert.deepEqual(hostProcesses('exec --process').filter((p) => p.includes(id)), []);

      // the container still runs and execs as before
      const after = await cri.runtime.call('ExecSync', { container_id: id, cmd: ['echo', 'alive'], timeout: 10 });
      assert.equal(after.stdout.toString(), 'alive\n');
      assert.equal((await cri.runtime.call('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
    } finally {
      await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
      await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
    }
  });
}
