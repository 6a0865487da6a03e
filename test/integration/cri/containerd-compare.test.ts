// Gantry's CRI next to containerd 1.6's CRI plugin (Debian's, started by
// containerd-harness.ts): the same calls against both, and the two must agree
// on what the kubelet depends on (states, IDs in filters, exit codes and
// reasons, timestamps being set, log line shapes, gRPC error codes), not on
// bytes. What containerd does otherwise, where no kubelet relies on it, is in
// docs/cri.md's table ("Compared with containerd 1.6"), which the last test pins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseReference } from '../../../src/oci/reference.js';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { busyboxRootfs } from '../../fixtures/image-builder.js';
import { freePort } from '../../fixtures/registry.js';
import { startCri, type CriHarness, type CriService } from './cri-client.js';
import { containerdMissing, startContainerd, type ContainerdCri } from './containerd-harness.js';

const PAUSE = 'registry.k8s.io/pause:3.9';
const BUSYBOX = 'docker.io/library/busybox:latest';
const NOT_FOUND = 5;
const DEADLINE_EXCEEDED = 4;
const skip = containerdMissing();

interface Side {
  name: 'gantry' | 'containerd';
  runtime: CriService;
  image: CriService;
  logRoot: string;
}

let g: Gantry;
let gantryCri: CriHarness | undefined;
let containerd: ContainerdCri | undefined;
let sides: Side[] = [];
let images: string;

before(async () => {
  if (skip) return;
  g = await Gantry.create();
  const tar = join(g.dir, 'rootfs.tar');
  execFileSync('tar', ['-C', await busyboxRootfs(), '-cf', tar, '.']);
  // containerd's processes get the image's PATH only (runc then finds no sleep without it).
  const path = 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin';
  for (const [cmd, name] of [['["sleep","2147483647"]', PAUSE], ['["sh"]', 'busybox:latest']] as const) {
    const imported = await g.run(['import', '--change', path, '--change', `CMD ${cmd}`, tar, name]);
    assert.equal(imported.code, 0, imported.stderr);
  }
  // The same two images for containerd, from Gantry's store.
  images = join(g.dir, 'images.tar');
  const saved = await g.run(['save', '-o', images, 'busybox:latest', PAUSE]);
  assert.equal(saved.code, 0, saved.stderr);
  gantryCri = await startCri(g);
  containerd = await startContainerd(images, PAUSE);
  sides = [
    { name: 'gantry', runtime: gantryCri.runtime, image: gantryCri.image, logRoot: join(g.dir, 'pods') },
    { name: 'containerd', runtime: containerd.runtime, image: containerd.image, logRoot: join(containerd.dir, 'pods') },
  ];
});

after(async () => {
  await containerd?.stop();
  await gantryCri?.stop();
  await g?.cleanup();
  await removeRootfsCache();
});

/** Runs `fn` against Gantry, then containerd; returns both results in that order. */
async function both<T>(fn: (s: Side) => Promise<T>): Promise<[T, T]> {
  const out: T[] = [];
  for (const s of sides) out.push(await fn(s));
  return out as [T, T];
}

/** The two agree, and (when given) on `expected`. */
function agree<T>(what: string, [gv, cv]: [T, T], expected?: T): void {
  assert.deepEqual(gv, cv, `${what}: gantry ${JSON.stringify(gv)}, containerd ${JSON.stringify(cv)}`);
  if (expected !== undefined) assert.deepEqual(gv, expected, what);
}

/** The gRPC status code of a failing call, or 'ok'. */
const codeOf = (p: Promise<unknown>): Promise<number | 'ok'> => p.then(() => 'ok' as const, (err: { code?: number }) => err.code ?? -1);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Image names as containerd writes them (docker.io/library/busybox:latest): Gantry keeps docker's familiar ones (see docs/cri.md). */
const qualified = (name: string) => parseReference(name).toString();

const isNs = (v: string) => BigInt(v) > 1_600_000_000n * 1_000_000_000n;

function sandboxConfig(s: Side, name: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'compare', attempt: 1 },
    hostname: name,
    log_directory: join(s.logRoot, name),
    labels: { suite: 'compare', app: name, ...labels },
    annotations: { 'example.com/note': `pod ${name}` },
    // containerd's pods' cgroups go where its harness removes them; Gantry's are the engine's own.
    linux: s.name === 'containerd' ? { cgroup_parent: containerd!.cgroupParent } : {},
  };
}

async function runPod(s: Side, name: string, labels: Record<string, string> = {}) {
  const config = sandboxConfig(s, name, labels);
  await mkdir(config.log_directory, { recursive: true }); // the kubelet makes it
  const { pod_sandbox_id: id } = await s.runtime.call('RunPodSandbox', { config });
  return { id: id as string, config };
}

async function removePod(s: Side, id: string): Promise<void> {
  await s.runtime.call('StopPodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
  await s.runtime.call('RemovePodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
}

async function startContainer(
  s: Side,
  pod: { id: string; config: ReturnType<typeof sandboxConfig> },
  name: string,
  command: string[],
  labels: Record<string, string> = {},
) {
  const { container_id: id } = await s.runtime.call('CreateContainer', {
    pod_sandbox_id: pod.id,
    sandbox_config: pod.config,
    config: {
      metadata: { name, attempt: 2 },
      image: { image: 'busybox:latest' },
      command,
      log_path: `${name}/2.log`,
      labels: { suite: 'compare', name, ...labels },
      annotations: { 'example.com/hash': `h-${name}` },
    },
  });
  await s.runtime.call('StartContainer', { container_id: id });
  return id as string;
}

/** The part of ContainerStats this test reads. */
interface Stats {
  attributes?: { id?: string; metadata?: { name?: string } };
  cpu: { timestamp: string; usage_core_nano_seconds?: { value: string } | null };
  memory: { timestamp: string; working_set_bytes?: { value: string } | null };
  writable_layer?: { fs_id?: { mountpoint?: string } | null; used_bytes?: { value: string } | null } | null;
}

const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

test('Version: runtime API v1; Status: RuntimeReady and NetworkReady', { skip }, async () => {
  const versions = await both((s) => s.runtime.call('Version', { version: 'v1' }));
  agree('runtime_api_version', versions.map((v) => v.runtime_api_version) as [string, string], 'v1');
  agree('version', versions.map((v) => v.version) as [string, string], '0.1.0');
  const conditions = await both(async (s) => {
    const st = (await s.runtime.call('Status', {})).status;
    return Object.fromEntries(st.conditions.filter((c: { type: string }) => ['RuntimeReady', 'NetworkReady'].includes(c.type)).map((c: { type: string; status: boolean }) => [c.type, c.status]));
  });
  agree('Status conditions', conditions, { RuntimeReady: true, NetworkReady: true });
});

test('RunPodSandbox, PodSandboxStatus, ListPodSandbox filters', { skip }, async () => {
  const pods = await both(async (s) => [await runPod(s, 'alpha', { tier: 'front' }), await runPod(s, 'beta', { tier: 'back' })] as const);
  try {
    const statuses = await both(async (s) => {
      const [a] = pods[sides.indexOf(s)]!;
      return (await s.runtime.call('PodSandboxStatus', { pod_sandbox_id: a.id })).status;
    });
    for (const [i, st] of statuses.entries()) {
      assert.match(st.network.ip, /^\d+\.\d+\.\d+\.\d+$/, `${sides[i]!.name}'s pod IP`);
      assert.ok(isNs(st.created_at), `${sides[i]!.name}'s created_at ${st.created_at}`);
    }
    agree('the sandbox state', statuses.map((st) => st.state) as [string, string], 'SANDBOX_READY');
    agree('the sandbox ID', statuses.map((st, i) => st.id === pods[i]![0].id) as [boolean, boolean], true);
    agree('metadata', statuses.map((st) => st.metadata) as [object, object], { name: 'alpha', uid: 'uid-alpha', namespace: 'compare', attempt: 1 });
    agree('labels', statuses.map((st) => st.labels) as [object, object], { suite: 'compare', app: 'alpha', tier: 'front' });
    agree('annotations', statuses.map((st) => st.annotations) as [object, object], { 'example.com/note': 'pod alpha' });
    agree('the namespace options', statuses.map((st) => st.linux?.namespaces?.options?.network ?? 'POD') as [string, string], 'POD');

    // The same filters select the same pods on both sides (as indexes into [alpha, beta]).
    const select = async (s: Side, filter: object) => {
      const [a, b] = pods[sides.indexOf(s)]!;
      const found = ids((await s.runtime.call('ListPodSandbox', { filter })).items);
      return [a.id, b.id].map((id, i) => (found.includes(id) ? i : -1)).filter((i) => i >= 0);
    };
    const selectBoth = (filter: (s: Side) => object) => both((s) => select(s, filter(s)));
    agree('no filter', await selectBoth(() => ({})), [0, 1]);
    agree('by ID', await selectBoth((s) => ({ id: pods[sides.indexOf(s)]![1].id })), [1]);
    agree('by ID prefix', await selectBoth((s) => ({ id: pods[sides.indexOf(s)]![1].id.slice(0, 12) })), [1]);
    agree('by state READY', await selectBoth(() => ({ state: { state: 'SANDBOX_READY' } })), [0, 1]);
    agree('by label', await selectBoth(() => ({ label_selector: { suite: 'compare', tier: 'back' } })), [1]);
    agree('by a label none has', await selectBoth(() => ({ label_selector: { tier: 'middle' } })), []);
    await both((s) => s.runtime.call('StopPodSandbox', { pod_sandbox_id: pods[sides.indexOf(s)]![0].id }));
    agree('by state NOTREADY', await selectBoth(() => ({ state: { state: 'SANDBOX_NOTREADY' } })), [0]);
    agree('by state READY and label', await selectBoth(() => ({ state: { state: 'SANDBOX_READY' }, label_selector: { suite: 'compare' } })), [1]);
    const stopped = await both(async (s) => (await s.runtime.call('PodSandboxStatus', { pod_sandbox_id: pods[sides.indexOf(s)]![0].id })).status.state);
    agree('a stopped sandbox', stopped, 'SANDBOX_NOTREADY');
  } finally {
    await both(async (s) => {
      for (const p of pods[sides.indexOf(s)]!) await removePod(s, p.id);
    });
  }
});

test('StopPodSandbox and RemovePodSandbox twice are no errors; then PodSandboxStatus is NotFound', { skip }, async () => {
  const codes = await both(async (s) => {
    const { id } = await runPod(s, 'twice');
    return [
      await codeOf(s.runtime.call('StopPodSandbox', { pod_sandbox_id: id })),
      await codeOf(s.runtime.call('StopPodSandbox', { pod_sandbox_id: id })),
      await codeOf(s.runtime.call('RemovePodSandbox', { pod_sandbox_id: id })),
      await codeOf(s.runtime.call('RemovePodSandbox', { pod_sandbox_id: id })),
      await codeOf(s.runtime.call('PodSandboxStatus', { pod_sandbox_id: id })),
    ];
  });
  agree('stop, stop, remove, remove, status', codes, ['ok', 'ok', 'ok', 'ok', NOT_FOUND]);
});

test('containers: status, filters, ExecSync, logs, update, stats, stop, remove', { skip }, async (t) => {
  const pods = await both((s) => runPod(s, 'web'));
  try {
    const script = 'echo out; echo err >&2; head -c 20000 /dev/zero | tr "\\0" a; echo; printf "no newline"; exec sleep 1000';
    const mains = await both((s) => startContainer(s, pods[sides.indexOf(s)]!, 'main', ['sh', '-c', script], { role: 'server' }));
    const side = (s: Side) => ({ pod: pods[sides.indexOf(s)]!, main: mains[sides.indexOf(s)]! });

    const running = await both(async (s) => (await s.runtime.call('ContainerStatus', { container_id: side(s).main })).status);
    agree('state', running.map((st) => st.state) as [string, string], 'CONTAINER_RUNNING');
    agree('metadata', running.map((st) => st.metadata) as [object, object], { name: 'main', attempt: 2 });
    agree('labels', running.map((st) => st.labels) as [object, object], { suite: 'compare', name: 'main', role: 'server' });
    agree('annotations', running.map((st) => st.annotations) as [object, object], { 'example.com/hash': 'h-main' });
    agree('image', running.map((st) => qualified(st.image.image)) as [string, string], BUSYBOX);
    agree('image_ref shape', running.map((st) => /^sha256:[0-9a-f]{64}$/.test(st.image_ref)) as [boolean, boolean], true);
    agree('started_at set, finished_at not', running.map((st) => [isNs(st.created_at), isNs(st.started_at), st.finished_at]) as [unknown[], unknown[]], [true, true, '0']);
    agree('log_path', running.map((st, i) => st.log_path === join(sides[i]!.logRoot, 'web', 'main/2.log')) as [boolean, boolean], true);

    // A second container that exits 0 on its own.
    const brief = await both((s) => startContainer(s, side(s).pod, 'brief', ['sh', '-c', 'exit 0']));
    const briefDone = await both((s) =>
      waitFor('the brief container to exit', async () => {
        const st = (await s.runtime.call('ContainerStatus', { container_id: brief[sides.indexOf(s)] })).status;
        return st.state === 'CONTAINER_EXITED' ? st : undefined;
      }),
    );
    agree('a container that exited 0', briefDone.map((st) => [st.exit_code, st.reason, isNs(st.finished_at)]) as [unknown[], unknown[]], [0, 'Completed', true]);

    // A container runs once: starting it again (running or exited) is an error, and so is exec in an exited one.
    const again = await both(async (s) => [
      await codeOf(s.runtime.call('StartContainer', { container_id: side(s).main })),
      await codeOf(s.runtime.call('StartContainer', { container_id: brief[sides.indexOf(s)] })),
      await codeOf(s.runtime.call('ExecSync', { container_id: brief[sides.indexOf(s)], cmd: ['true'], timeout: 5 })),
    ]);
    agree('StartContainer of a running and of an exited container, ExecSync in an exited one fail', again.map((codes) => codes.map((c) => c !== 'ok')) as [boolean[], boolean[]], [true, true, true]);

    // ListContainers: the same filters select the same containers (main = 0, brief = 1).
    const select = async (s: Side, filter: object) => {
      const mine = [side(s).main, brief[sides.indexOf(s)]!];
      const found = ids((await s.runtime.call('ListContainers', { filter })).containers);
      return mine.map((id, i) => (found.includes(id) ? i : -1)).filter((i) => i >= 0);
    };
    const selectBoth = (filter: (s: Side) => object) => both((s) => select(s, filter(s)));
    agree('no filter', await selectBoth(() => ({})), [0, 1]);
    agree('by pod', await selectBoth((s) => ({ pod_sandbox_id: side(s).pod.id })), [0, 1]);
    agree('by ID', await selectBoth((s) => ({ id: side(s).main })), [0]);
    agree('by state RUNNING', await selectBoth(() => ({ state: { state: 'CONTAINER_RUNNING' } })), [0]);
    agree('by state EXITED', await selectBoth(() => ({ state: { state: 'CONTAINER_EXITED' } })), [1]);
    agree('by label', await selectBoth(() => ({ label_selector: { role: 'server' } })), [0]);
    agree('by pod and label', await selectBoth((s) => ({ pod_sandbox_id: side(s).pod.id, label_selector: { name: 'brief' } })), [1]);
    agree('by an unknown pod', await selectBoth(() => ({ pod_sandbox_id: 'f'.repeat(64) })), []);
    const listed = await both(async (s) => (await s.runtime.call('ListContainers', { filter: { id: side(s).main } })).containers[0]);
    agree('a listed container', listed.map((c, i) => [c.pod_sandbox_id === pods[i]!.id, c.state, qualified(c.image.image), c.metadata.name, c.labels.role]) as [unknown[], unknown[]], [true, 'CONTAINER_RUNNING', BUSYBOX, 'main', 'server']);

    // ExecSync: output, exit code; past its timeout an error.
    const exec = await both((s) => s.runtime.call('ExecSync', { container_id: side(s).main, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], timeout: 10 }));
    agree('ExecSync', exec.map((r) => [r.stdout.toString(), r.stderr.toString(), r.exit_code]) as [unknown[], unknown[]], ['out\n', 'err\n', 3]);
    const timeouts = await both((s) =>
      s.runtime.call('ExecSync', { container_id: side(s).main, cmd: ['sleep', '31'], timeout: 1 }).then(
        () => ['ok'],
        (err: { code: number; details: string }) => [err.code, err.details],
      ),
    );
    agree('ExecSync past its timeout', timeouts, [DEADLINE_EXCEEDED, 'failed to exec in container: timeout 1s exceeded: context deadline exceeded']);
    // containerd kills what timed out, so a kubelet's exec probes do not pile up.
    const leftover = await both(async (s) => (await s.runtime.call('ExecSync', { container_id: side(s).main, cmd: ['ps', '-o', 'args'], timeout: 10 })).stdout.toString().includes('sleep 31'));
    agree('the command still running after its timeout', leftover, false);
    const execGone = await both((s) => codeOf(s.runtime.call('ExecSync', { container_id: 'f'.repeat(64), cmd: ['true'], timeout: 1 })));
    agree('ExecSync in an unknown container', execGone, NOT_FOUND);

    // UpdateContainerResources reaches the running container's cgroup.
    const updates = await both(async (s) => {
      await s.runtime.call('UpdateContainerResources', { container_id: side(s).main, linux: { memory_limit_in_bytes: 96 * 1024 * 1024, cpu_shares: 256 } });
      const r = await s.runtime.call('ExecSync', { container_id: side(s).main, cmd: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/cpu/cpu.shares'], timeout: 10 });
      return r.stdout.toString().trim().split('\n');
    });
    agree('the limits after UpdateContainerResources', updates, [String(96 * 1024 * 1024), '256']);

    // ContainerStats: which fields are there.
    const stats = await both(async (s): Promise<Stats> => (await s.runtime.call('ContainerStats', { container_id: side(s).main })).stats);
    const shape = (st: Stats) => ({
      id: typeof st.attributes?.id === 'string',
      metadata: st.attributes?.metadata?.name,
      cpu: [isNs(st.cpu.timestamp), BigInt(st.cpu.usage_core_nano_seconds?.value ?? 0) > 0n],
      memory: [isNs(st.memory.timestamp), BigInt(st.memory.working_set_bytes?.value ?? 0) > 0n],
    });
    agree('the ContainerStats fields', stats.map(shape) as [object, object], { id: true, metadata: 'main', cpu: [true, true], memory: [true, true] });
    // The kubelet's ephemeral-storage accounting reads the writable layer (containerd: its snapshot's mountpoint, used bytes and inodes).
    await t.test('ContainerStats has writable_layer', () => {
      const layer = (st: Stats) => [typeof st.writable_layer?.fs_id?.mountpoint, typeof st.writable_layer?.used_bytes?.value];
      agree('writable_layer', stats.map(layer) as [string[], string[]], ['string', 'string']);
    });

    // StopContainer: killed after a zero timeout, so exit 137 and Error.
    await both((s) => s.runtime.call('StopContainer', { container_id: side(s).main, timeout: 0 }));
    const stopped = await both(async (s) => (await s.runtime.call('ContainerStatus', { container_id: side(s).main })).status);
    agree('a stopped container', stopped.map((st) => [st.state, st.exit_code, st.reason, isNs(st.finished_at), BigInt(st.finished_at) >= BigInt(st.started_at)]) as [unknown[], unknown[]], ['CONTAINER_EXITED', 137, 'Error', true, true]);
    agree('StopContainer again', await both((s) => codeOf(s.runtime.call('StopContainer', { container_id: side(s).main, timeout: 0 }))), 'ok');

    // Logs: the same lines (by stream, tag and text) in the same shape; the last one, without a newline, is there once the container is gone.
    const logs = await both(async (s) => {
      const file = join(side(s).pod.config.log_directory, 'main/2.log');
      const text = await waitFor(`${s.name}'s log lines`, async () => {
        const t = await readFile(file, 'utf8').catch(() => '');
        return t.includes('no newline') ? t : undefined;
      });
      const lines = text.trimEnd().split('\n');
      for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) [PF] /, `${s.name}: ${l.slice(0, 80)}`);
      const parsed = lines.map((l) => l.split(' ')).map(([, stream, tag, ...rest]) => ({ stream, tag, text: rest.join(' ') }));
      return ['stdout', 'stderr'].map((stream) => parsed.filter((p) => p.stream === stream).map((p) => `${p.tag} ${p.text.length > 40 ? `${p.text[0]}x${p.text.length}` : p.text}`));
    });
    agree('the log lines per stream', logs);

    const removal = await both(async (s) => [
      await codeOf(s.runtime.call('RemoveContainer', { container_id: side(s).main })),
      await codeOf(s.runtime.call('ContainerStatus', { container_id: side(s).main })),
      await codeOf(s.runtime.call('RemoveContainer', { container_id: side(s).main })),
    ]);
    agree('remove, status, remove again', removal, ['ok', NOT_FOUND, 'ok']);
  } finally {
    await both((s) => removePod(s, pods[sides.indexOf(s)]!.id));
  }
});

test('errors for bad input have the same gRPC codes', { skip }, async () => {
  const unknown = 'f'.repeat(64);
  const codes = await both(async (s) => {
    const config = sandboxConfig(s, 'ghost');
    return {
      createInUnknownPod: await codeOf(
        s.runtime.call('CreateContainer', { pod_sandbox_id: unknown, sandbox_config: config, config: { metadata: { name: 'c' }, image: { image: 'busybox:latest' }, command: ['true'] } }),
      ),
      startUnknown: await codeOf(s.runtime.call('StartContainer', { container_id: unknown })),
      statusUnknown: await codeOf(s.runtime.call('ContainerStatus', { container_id: unknown })),
      podStatusUnknown: await codeOf(s.runtime.call('PodSandboxStatus', { pod_sandbox_id: unknown })),
      updateUnknown: await codeOf(s.runtime.call('UpdateContainerResources', { container_id: unknown, linux: { cpu_shares: 2 } })),
      statsUnknown: await codeOf(s.runtime.call('ContainerStats', { container_id: unknown })),
    };
  });
  agree('codes', codes);
  assert.equal(codes[0].createInUnknownPod, NOT_FOUND);
  assert.equal(codes[0].startUnknown, NOT_FOUND);
});

test('images: ImageStatus and RemoveImage of a missing image, ListImages has the pause image', { skip }, async () => {
  const missing = { image: 'example.com/missing/image:none' };
  agree('ImageStatus of a missing image', await both(async (s) => (await s.image.call('ImageStatus', { image: missing })).image), null);
  agree('RemoveImage of a missing image', await both((s) => codeOf(s.image.call('RemoveImage', { image: missing }))), 'ok');
  const pause = await both(async (s) => {
    const { images } = await s.image.call('ListImages', {});
    const img = images.find((i: { repo_tags: string[] }) => i.repo_tags.map(qualified).includes(PAUSE));
    return img ? [/^sha256:[0-9a-f]{64}$/.test(img.id), BigInt(img.size) > 0n] : null;
  });
  agree('the pause image in ListImages', pause, [true, true]);
  const status = await both(async (s) => {
    const { image } = await s.image.call('ImageStatus', { image: { image: 'busybox:latest' } });
    return [image.repo_tags.map(qualified), /^sha256:[0-9a-f]{64}$/.test(image.id)];
  });
  agree('ImageStatus of busybox:latest', status, [[BUSYBOX], true]);
});

// Each row of docs/cri.md's "Compared with containerd 1.6" table, as [gantry, containerd]:
// when one side changes, this fails and the table needs the change too.
test('the differences docs/cri.md lists, none of which a kubelet relies on', { skip }, async () => {
  const unknown = 'f'.repeat(64);
  const seen = await both(async (s) => {
    const pod = await runPod(s, 'differences');
    try {
      const create = (name: string, command: string[]) =>
        s.runtime.call('CreateContainer', { pod_sandbox_id: pod.id, sandbox_config: pod.config, config: { metadata: { name }, image: { image: 'busybox:latest' }, command } });
      const { container_id: done } = await create('done', ['true']);
      await s.runtime.call('StartContainer', { container_id: done });
      await waitFor(`${s.name}'s container to exit`, async () => ((await s.runtime.call('ContainerStatus', { container_id: done })).status.state === 'CONTAINER_EXITED' ? true : undefined));
      const status = (await s.runtime.call('ContainerStatus', { container_id: done })).status;
      const image = (await s.image.call('ImageStatus', { image: { image: 'busybox:latest' } })).image;
      return {
        imageIdSet: status.image_id !== '',
        imageSpecSet: image.spec !== null,
        stopUnknownContainer: await codeOf(s.runtime.call('StopContainer', { container_id: unknown, timeout: 0 })),
        stopUnknownPod: await codeOf(s.runtime.call('StopPodSandbox', { pod_sandbox_id: unknown })),
        duplicateContainerName: await codeOf(create('done', ['true'])),
        duplicatePodName: await codeOf(s.runtime.call('RunPodSandbox', { config: pod.config })),
        execInExited: await codeOf(s.runtime.call('ExecSync', { container_id: done, cmd: ['true'], timeout: 5 })),
        startExited: await codeOf(s.runtime.call('StartContainer', { container_id: done })),
        reopenLogOfExited: await codeOf(s.runtime.call('ReopenContainerLog', { container_id: done })),
        statsOfExited: await codeOf(s.runtime.call('ContainerStats', { container_id: done })),
        runPodWithoutMetadata: await codeOf(s.runtime.call('RunPodSandbox', { config: {} })),
        pullUnreachable: await codeOf(s.image.call('PullImage', { image: { image: `127.0.0.1:${await freePort()}/none:1` } })),
        removeImageInUse: await codeOf(s.image.call('RemoveImage', { image: { image: PAUSE } })),
      };
    } finally {
      await removePod(s, pod.id);
      // containerd did remove the pause image's name.
      if (s.name === 'containerd') containerd!.importImages(images);
    }
  });
  assert.deepEqual(seen, [
    {
      imageIdSet: true,
      imageSpecSet: true,
      stopUnknownContainer: 'ok',
      stopUnknownPod: 'ok',
      duplicateContainerName: 6,
      duplicatePodName: 6,
      execInExited: 6,
      startExited: 9,
      reopenLogOfExited: 9,
      statsOfExited: 'ok',
      runPodWithoutMetadata: 3,
      pullUnreachable: 14,
      removeImageInUse: 6,
    },
    {
      imageIdSet: false,
      imageSpecSet: false,
      stopUnknownContainer: NOT_FOUND,
      stopUnknownPod: NOT_FOUND,
      duplicateContainerName: 2,
      duplicatePodName: 2,
      execInExited: 2,
      startExited: 2,
      reopenLogOfExited: 2,
      statsOfExited: 2,
      runPodWithoutMetadata: 2,
      pullUnreachable: 2,
      removeImageInUse: 'ok',
    },
  ]);
  const again = (await containerd!.image.call('ImageStatus', { image: { image: PAUSE } })).image;
  assert.ok(again, 'the pause image is back in containerd for the next test');
});

test('a stopped sandbox and the unset pid namespace mode', { skip }, async (t) => {
  const seen = await both(async (s) => {
    const pod = await runPod(s, 'stopped');
    try {
      const pidMode = (await s.runtime.call('PodSandboxStatus', { pod_sandbox_id: pod.id })).status.linux?.namespaces?.options?.pid;
      await s.runtime.call('StopPodSandbox', { pod_sandbox_id: pod.id });
      const create = await codeOf(
        s.runtime.call('CreateContainer', { pod_sandbox_id: pod.id, sandbox_config: pod.config, config: { metadata: { name: 'late' }, image: { image: 'busybox:latest' }, command: ['true'] } }),
      );
      return { pidMode, create };
    } finally {
      await removePod(s, pod.id);
    }
  });
  await t.test('CreateContainer in a stopped sandbox is NOT_FOUND', () => {
    agree('CreateContainer in a stopped sandbox', seen.map((x) => x.create) as [number | 'ok', number | 'ok'], NOT_FOUND);
  });
  await t.test('an unset pid mode is POD', () => {
    agree('the pid mode of a sandbox config without one', seen.map((x) => x.pidMode) as [string, string], 'POD');
  });
});
