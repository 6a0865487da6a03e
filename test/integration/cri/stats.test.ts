// ContainerStats, ListContainerStats and PodSandboxStats through gantry system
// service --cri: the writable layer (bytes and entries of the container's own
// snapshot, on ImageFsInfo's filesystem), the CPU rate between two calls, and
// the memory figures, with and without a memory limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startCri, type CriHarness, importPauseImage } from './cri-client.js';

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

async function withPod(name: string, fn: (podId: string) => Promise<void>): Promise<void> {
  const config = { metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 }, hostname: name, log_directory: join(g.dir, 'pods', name), linux: {} };
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config });
  try {
    await fn(podId);
  } finally {
    await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
}

async function startContainer(podId: string, name: string, command: string[], resources: object = {}): Promise<string> {
  const { container_id: id } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name }, image: { image: 'busybox:latest' }, command, linux: { resources } },
  });
  await cri.runtime.call('StartContainer', { container_id: id });
  return id;
}

async function sh(id: string, script: string): Promise<void> {
  const r = await cri.runtime.call('ExecSync', { container_id: id, cmd: ['sh', '-c', script], timeout: 10 });
  assert.equal(r.exit_code, 0, r.stderr.toString());
}

interface UInt64 {
  value: string;
}
interface Stats {
  attributes: { id: string };
  cpu: { usage_core_nano_seconds: UInt64; usage_nano_cores: UInt64 | null };
  memory: { working_set_bytes: UInt64; available_bytes: UInt64 | null; usage_bytes: UInt64; rss_bytes: UInt64 | null; page_faults: UInt64 | null; major_page_faults: UInt64 | null };
  writable_layer: { timestamp: string; fs_id: { mountpoint: string }; used_bytes: UInt64; inodes_used: UInt64 } | null;
}

const n = (v: UInt64 | null | undefined) => {
  assert.ok(v, 'the field is set');
  return Number(v.value);
};
const containerStats = async (id: string): Promise<Stats> => (await cri.runtime.call('ContainerStats', { container_id: id })).stats;

test('writable_layer: the bytes and entries a container wrote to its rootfs, on the image filesystem', async () => {
  await withPod('layer', async (podId) => {
    const id = await startContainer(podId, 'writer', ['sleep', '1000']);
    await sh(id, 'mkdir -p /data/sub && head -c 1048576 /dev/zero > /data/sub/big && touch /data/small');
    const st = await containerStats(id);
    const layer = st.writable_layer;
    assert.ok(layer, JSON.stringify(st));
    assert.ok(n(layer.used_bytes) >= 1048576, JSON.stringify(layer));
    assert.ok(n(layer.inodes_used) >= 4, 'data, sub, big and small');
    assert.ok(BigInt(layer.timestamp) > 0n);
    const imageFs = (await cri.image.call('ImageFsInfo', {})).image_filesystems[0];
    assert.equal(layer.fs_id.mountpoint, imageFs.fs_id.mountpoint);
    const listed: Stats[] = (await cri.runtime.call('ListContainerStats', { filter: { id } })).stats;
    assert.deepEqual(listed.map((s) => [s.attributes.id, s.writable_layer?.fs_id.mountpoint]), [[id, imageFs.fs_id.mountpoint]]);
    assert.ok(n(listed[0]!.writable_layer?.used_bytes) >= 1048576);
    // PodSandboxStats gives its containers' ContainerStats, writable layer included.
    const pod = (await cri.runtime.call('PodSandboxStats', { pod_sandbox_id: podId })).stats.linux;
    assert.ok(n(pod.containers[0].writable_layer.used_bytes) >= 1048576);
  });
});

test('usage_nano_cores: the CPU rate between two samples of a busy container and of its pod', async () => {
  await withPod('busy', async (podId) => {
    const id = await startContainer(podId, 'spin', ['sh', '-c', 'while :; do :; done']);
    const podCpu = async () => (await cri.runtime.call('PodSandboxStats', { pod_sandbox_id: podId })).stats.linux.cpu;
    const first = await containerStats(id);
    await podCpu();
    await sleep(1000);
    const second = await containerStats(id);
    assert.ok(n(second.cpu.usage_core_nano_seconds) > n(first.cpu.usage_core_nano_seconds));
    assert.ok(n(second.cpu.usage_nano_cores) > 0, JSON.stringify(second.cpu));
    assert.ok(n((await podCpu()).usage_nano_cores) > 0);
  });
});

test('memory: working set, usage, RSS and page faults; available bytes under a limit only', async () => {
  const limit = 64 * 1024 * 1024;
  await withPod('memory', async (podId) => {
    const limited = await startContainer(podId, 'limited', ['sleep', '1000'], { memory_limit_in_bytes: String(limit) });
    const unlimited = await startContainer(podId, 'unlimited', ['sleep', '1000']);
    await sh(limited, 'head -c 4194304 /dev/zero > /dev/shm/fill');
    for (const id of [limited, unlimited]) {
      const m = (await containerStats(id)).memory;
      assert.ok(n(m.usage_bytes) > 0, JSON.stringify(m));
      assert.ok(n(m.working_set_bytes) <= n(m.usage_bytes));
      assert.ok(n(m.rss_bytes) <= n(m.usage_bytes));
      assert.ok(n(m.page_faults) > 0);
      assert.ok(n(m.major_page_faults) <= n(m.page_faults));
    }
    const m = (await containerStats(limited)).memory;
    assert.ok(n(m.working_set_bytes) >= 4194304, 'the shm file is the container\'s memory');
    assert.equal(n(m.available_bytes), limit - n(m.working_set_bytes));
    assert.equal((await containerStats(unlimited)).memory.available_bytes, null);
  });
});
