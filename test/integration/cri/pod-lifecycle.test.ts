// The CRI pod lifecycle through gantry system service --cri, driven like the
// kubelet does: sandbox, containers in it sharing its network namespace, exec,
// CRI-format logs, stop, remove, list filters and statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket } from '../../../src/api/cri/streaming/websocket.js';
import { existsSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { freePort } from '../../fixtures/registry.js';
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

const sandboxConfig = (name: string, logDir: string) => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
  hostname: `${name}-host`,
  log_directory: logDir,
  dns_config: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
  labels: { app: name },
  annotations: { note: 'kept' },
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('RuntimeConfig: the cgroupfs driver', async () => {
  assert.equal((await cri.runtime.call('RuntimeConfig', {})).linux.cgroup_driver, 'CGROUPFS');
});

test('GetContainerEvents streams the pod containers\' created, started, stopped and deleted events', async () => {
  const events = cri.runtime.stream('GetContainerEvents', {});
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig('events', join(g.dir, 'pods', 'events')) });
  const { container_id: id } = await cri.runtime.call('CreateContainer', { pod_sandbox_id: podId, config: { metadata: { name: 'brief' }, image: { image: 'busybox:latest' }, command: ['true'] } });
  await cri.runtime.call('StartContainer', { container_id: id });
  await waitFor('the stop event', async () => (events.messages.some((m) => m.container_id === id && m.container_event_type === 'CONTAINER_STOPPED_EVENT') ? true : undefined));
  await cri.runtime.call('RemoveContainer', { container_id: id });
  await waitFor('the delete event', async () => (events.messages.some((m) => m.container_id === id && m.container_event_type === 'CONTAINER_DELETED_EVENT') ? true : undefined));
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  events.cancel();
  const mine = events.messages.filter((m) => m.container_id === id);
  assert.deepEqual(
    mine.map((m) => m.container_event_type),
    ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT'],
  );
  assert.equal(mine[0].pod_sandbox_status.id, podId);
  assert.ok(BigInt(mine[0].created_at) > 0n);
  assert.ok(events.messages.some((m) => m.container_id === podId && m.container_event_type === 'CONTAINER_STARTED_EVENT'));
});

test('Version and Status', async () => {
  const v = await cri.runtime.call('Version', { version: 'v1' });
  assert.equal(v.runtime_name, 'gantry');
  assert.equal(v.runtime_api_version, 'v1');
  const s = await cri.runtime.call('Status', {});
  const conds = Object.fromEntries(s.status.conditions.map((c: any) => [c.type, c.status]));
  assert.deepEqual(conds, { RuntimeReady: true, NetworkReady: true });
});

test('pod lifecycle: sandbox, containers in its netns, exec, logs, stop, remove, filters', async () => {
  const logDir = join(g.dir, 'pods', 'web');
  const config = sandboxConfig('web', logDir);
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config });
  assert.match(podId, /^[0-9a-f]{64}$/);

  const ps = (await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId })).status;
  assert.equal(ps.state, 'SANDBOX_READY');
  assert.match(ps.network.ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(ps.metadata, config.metadata);
  assert.deepEqual(ps.labels, { app: 'web' });
  assert.deepEqual(ps.annotations, { note: 'kept' });
  assert.ok(BigInt(ps.created_at) > 1_600_000_000n * 1_000_000_000n);

  const { container_id: mainId } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    sandbox_config: config,
    config: {
      metadata: { name: 'main', attempt: 0 },
      image: { image: 'busybox:latest' },
      command: ['sh', '-c'],
      args: ['echo hello; echo oops >&2; exec sleep 1000'],
      envs: [{ key: 'FOO', value: Buffer.from('bar') }],
      working_dir: '/tmp',
      log_path: 'main/0.log',
      labels: { tier: 'front' },
      annotations: { 'io.kubernetes.container.hash': 'abc' },
      // What the kubelet sends for a pod without shareProcessNamespace: sleep is its PID 1 and ignores SIGTERM.
      linux: { security_context: { namespace_options: { pid: 'CONTAINER' } } },
    },
  });
  assert.equal((await cri.runtime.call('ContainerStatus', { container_id: mainId })).status.state, 'CONTAINER_CREATED');
  await cri.runtime.call('StartContainer', { container_id: mainId });
  const running = (await cri.runtime.call('ContainerStatus', { container_id: mainId })).status;
  assert.equal(running.state, 'CONTAINER_RUNNING');
  assert.ok(BigInt(running.started_at) > 0n);
  assert.equal(running.finished_at, '0');
  assert.equal(running.log_path, join(logDir, 'main/0.log'));
  assert.deepEqual(running.labels, { tier: 'front' });
  assert.equal(running.metadata.name, 'main');

  // The container shares the sandbox's network namespace and its DNS and hostname files.
  const ex = await cri.runtime.call('ExecSync', { container_id: mainId, cmd: ['sh', '-c', 'echo $FOO; pwd; cat /etc/resolv.conf /etc/hostname; ip -4 addr show eth0'], timeout: 10 });
  const out = ex.stdout.toString();
  assert.equal(ex.exit_code, 0, ex.stderr.toString());
  assert.match(out, /^bar\n\/tmp\n/);
  assert.match(out, /nameserver 10\.96\.0\.10/);
  assert.match(out, /search default\.svc\.cluster\.local/);
  assert.match(out, /options ndots:5/);
  assert.match(out, /web-host/);
  assert.ok(out.includes(`inet ${ps.network.ip}/`), out);
  // Network, IPC and UTS namespaces are the sandbox's: the same inodes, the pod's hostname.
  const sandboxPid = JSON.parse((await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId, verbose: true })).info.info).pid;
  const nsOf = (pid: number | string) => ['net', 'ipc', 'uts'].map((t) => readlinkSync(`/proc/${pid}/ns/${t}`));
  const inside = await cri.runtime.call('ExecSync', { container_id: mainId, cmd: ['sh', '-c', 'hostname; echo $HOSTNAME; for t in net ipc uts; do readlink /proc/self/ns/$t; done'], timeout: 10 });
  const [hostname, hostnameEnv, ...ns] = inside.stdout.toString().trim().split('\n');
  assert.equal(hostname, 'web-host');
  assert.equal(hostnameEnv, 'web-host');
  assert.deepEqual(ns, nsOf(sandboxPid));
  assert.notDeepEqual(ns, nsOf(process.pid));
  const failing = await cri.runtime.call('ExecSync', { container_id: mainId, cmd: ['sh', '-c', 'echo err >&2; exit 3'], timeout: 0 });
  assert.equal(failing.exit_code, 3);
  assert.equal(failing.stderr.toString(), 'err\n');
  await assert.rejects(cri.runtime.call('ExecSync', { container_id: mainId, cmd: ['sleep', '30'], timeout: 1 }), (e: any) => e.code === 4);
  // Exec and PortForward return streaming URLs the kubelet opens with a WebSocket.
  const { url } = await cri.runtime.call('Exec', { container_id: mainId, cmd: ['sh', '-c', 'echo via-stream; exit 4'], stdout: true, stderr: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{8}$/);
  const streamed = await openChannels(url, 'v5.channel.k8s.io');
  assert.equal(streamed.get(1), 'via-stream\n');
  assert.match(streamed.get(3) ?? '', /"reason":"NonZeroExitCode".*"message":"4"/);
  const pf = await cri.runtime.call('PortForward', { pod_sandbox_id: podId, port: [80] });
  assert.match(pf.url, /\/portforward\/[A-Za-z0-9_-]{8}$/);
  await assert.rejects(cri.runtime.call('Attach', { container_id: mainId, stdin: false, stdout: false, stderr: false }), (e: any) => e.code === 3);

  // Logs in the CRI format at log_path.
  const logFile = join(logDir, 'main/0.log');
  const log = await waitFor('the log lines', async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.split('\n').length > 2 ? text : undefined;
  });
  const lines = log.trimEnd().split('\n');
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [PF] /);
  assert.deepEqual(lines.map((l) => l.split(' ').slice(1).join(' ')).sort(), ['stderr F oops', 'stdout F hello']);

  // A second container that runs to completion.
  const { container_id: jobId } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name: 'job', attempt: 1 }, image: { image: 'busybox:latest' }, command: ['true'], log_path: 'job/1.log', labels: { tier: 'batch' } },
  });
  await cri.runtime.call('StartContainer', { container_id: jobId });
  const done = await waitFor('the job to exit', async () => {
    const s = (await cri.runtime.call('ContainerStatus', { container_id: jobId })).status;
    return s.state === 'CONTAINER_EXITED' ? s : undefined;
  });
  assert.equal(done.exit_code, 0);
  assert.equal(done.reason, 'Completed');
  assert.ok(BigInt(done.finished_at) >= BigInt(done.started_at));

  // List filters.
  const ids = (r: any) => r.containers.map((c: any) => c.id).sort();
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', { filter: { pod_sandbox_id: podId } })), [jobId, mainId].sort());
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', { filter: { pod_sandbox_id: podId.slice(0, 12), label_selector: { tier: 'front' } } })), [mainId]);
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', { filter: { state: { state: 'CONTAINER_EXITED' }, pod_sandbox_id: podId } })), [jobId]);
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', { filter: { id: mainId.slice(0, 10) } })), [mainId]);
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', { filter: { label_selector: { tier: 'none' } } })), []);
  const listed = (await cri.runtime.call('ListContainers', { filter: { id: mainId } })).containers[0];
  assert.equal(listed.pod_sandbox_id, podId);
  assert.equal(listed.state, 'CONTAINER_RUNNING');
  assert.equal(listed.image.image, 'busybox:latest');
  assert.match(listed.image_ref, /^sha256:/);
  const pods = (r: any) => r.items.map((p: any) => p.id);
  assert.deepEqual(pods(await cri.runtime.call('ListPodSandbox', { filter: { label_selector: { app: 'web' } } })), [podId]);
  assert.deepEqual(pods(await cri.runtime.call('ListPodSandbox', { filter: { state: { state: 'SANDBOX_NOTREADY' } } })), []);
  assert.deepEqual(pods(await cri.runtime.call('ListPodSandbox', { filter: { id: podId.slice(0, 8) } })), [podId]);

  // Stop the container, then the pod (twice: idempotent), then remove (twice).
  await cri.runtime.call('StopContainer', { container_id: mainId, timeout: 1 });
  const stopped = (await cri.runtime.call('ContainerStatus', { container_id: mainId })).status;
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.equal(stopped.reason, 'Error');
  assert.equal(stopped.exit_code, 137);
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  const notReady = (await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId })).status;
  assert.equal(notReady.state, 'SANDBOX_NOTREADY');
  assert.equal(notReady.network.ip, '');
  assert.deepEqual(pods(await cri.runtime.call('ListPodSandbox', { filter: { state: { state: 'SANDBOX_NOTREADY' } } })), [podId]);
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  assert.deepEqual(ids(await cri.runtime.call('ListContainers', {})), []);
  assert.deepEqual(pods(await cri.runtime.call('ListPodSandbox', {})), []);
  await assert.rejects(cri.runtime.call('ContainerStatus', { container_id: mainId }), (e: any) => e.code === 5);
  await assert.rejects(cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId }), (e: any) => e.code === 5);
  // The log stays for the kubelet to rotate and delete.
  assert.match(await readFile(logFile, 'utf8'), /stdout F hello/);
});

test('the CRI state survives a restart of the server', async () => {
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig('again', join(g.dir, 'pods', 'again')) });
  await cri.stop();
  cri = await startCri(g);
  const ps = (await cri.runtime.call('PodSandboxStatus', { pod_sandbox_id: podId })).status;
  assert.equal(ps.state, 'SANDBOX_READY');
  assert.equal(ps.metadata.name, 'again');
  await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
  await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
});

test('errors: unknown IDs are NOT_FOUND, a sandbox is no container', async () => {
  await assert.rejects(cri.runtime.call('ContainerStatus', { container_id: 'f'.repeat(64) }), (e: any) => e.code === 5);
  await assert.rejects(cri.runtime.call('StartContainer', { container_id: 'nope' }), (e: any) => e.code === 5);
  await cri.runtime.call('StopContainer', { container_id: 'nope', timeout: 0 });
  await cri.runtime.call('RemoveContainer', { container_id: 'nope' });
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig('kinds', join(g.dir, 'pods', 'kinds')) });
  try {
    await assert.rejects(cri.runtime.call('ContainerStatus', { container_id: podId }), (e: any) => e.code === 5);
    await assert.rejects(cri.runtime.call('CreateContainer', { pod_sandbox_id: podId, config: { metadata: { name: 'x' }, image: { image: 'no-such-image:1' } } }), (e: any) => e.code === 5);
  } finally {
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
});

test('security context, mounts and port mappings', async () => {
  const hostDir = join(g.dir, 'shared');
  await mkdir(hostDir);
  await writeFile(join(hostDir, 'data'), 'from the host\n');
  const config = { ...sandboxConfig('sec', join(g.dir, 'pods', 'sec')), port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: await freePort(), host_ip: '127.0.0.1' }] };
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config });
  try {
    const inspect = JSON.parse((await g.run(['inspect', podId])).stdout)[0];
    const port = config.port_mappings[0]!;
    assert.deepEqual(inspect.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port.host_port) }] });

    const { container_id: id } = await cri.runtime.call('CreateContainer', {
      pod_sandbox_id: podId,
      config: {
        metadata: { name: 'locked', attempt: 0 },
        image: { image: 'busybox:latest' },
        command: ['sleep', '1000'],
        mounts: [{ container_path: '/data', host_path: hostDir, readonly: true }],
        linux: {
          security_context: {
            run_as_user: { value: 1234 },
            run_as_group: { value: 5678 },
            readonly_rootfs: true,
            capabilities: { drop_capabilities: ['ALL'], add_capabilities: ['NET_BIND_SERVICE'] },
          },
        },
      },
    });
    await cri.runtime.call('StartContainer', { container_id: id });
    const r = await cri.runtime.call('ExecSync', {
      container_id: id,
      cmd: ['sh', '-c', 'id -u; id -g; cat /data/data; touch /data/x 2>/dev/null || echo data-ro; touch /rootfs-file 2>/dev/null || echo rootfs-ro; grep CapBnd /proc/self/status'],
      timeout: 10,
    });
    assert.equal(r.exit_code, 0, r.stderr.toString());
    // CAP_NET_BIND_SERVICE alone: bit 10.
    assert.equal(r.stdout.toString(), '1234\n5678\nfrom the host\ndata-ro\nrootfs-ro\nCapBnd:\t0000000000000400\n');
    const st = (await cri.runtime.call('ContainerStatus', { container_id: id })).status;
    assert.deepEqual(
      st.mounts.map((m: any) => [m.container_path, m.host_path, m.readonly]),
      [['/data', hostDir, true]],
    );

    const { container_id: privId } = await cri.runtime.call('CreateContainer', {
      pod_sandbox_id: podId,
      config: { metadata: { name: 'priv', attempt: 0 }, image: { image: 'busybox:latest' }, command: ['sleep', '1000'], linux: { security_context: { privileged: true } } },
    });
    await cri.runtime.call('StartContainer', { container_id: privId });
    // Privileged: every capability this host lets us grant (its bounding set).
    const p = await cri.runtime.call('ExecSync', { container_id: privId, cmd: ['grep', 'CapEff', '/proc/self/status'], timeout: 10 });
    const capEff = p.stdout.toString().trim();
    const hostBnd = /^CapBnd:\s*(\S+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1];
    assert.equal(capEff, `CapEff:\t${hostBnd}`);
  } finally {
    await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
});

test('one service serves the Docker API and the CRI together; SIGTERM removes both sockets', async () => {
  await cri.stop();
  assert.ok(!existsSync(cri.socket));
  const dockerSock = join(g.dir, 'docker.sock');
  cri = await startCri(g, ['--host', `unix://${dockerSock}`]);
  const ping = await new Promise<string>((resolve, reject) => {
    http.get({ socketPath: dockerSock, path: '/_ping' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  assert.equal(ping, 'OK');
  assert.equal((await cri.runtime.call('Version', {})).runtime_name, 'gantry');
  await cri.stop();
  assert.ok(!existsSync(dockerSock) && !existsSync(cri.socket));
  cri = await startCri(g);
  // A second service on a live CRI socket is refused, and leaves the first one serving.
  const second = await g.run(['system', 'service', '--cri', `unix://${cri.socket}`]);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /is in use by another service/);
  assert.equal((await cri.runtime.call('Version', {})).runtime_name, 'gantry');
});

test('a shared PID namespace (pid POD): the containers of the pod see the pause process; UpdateContainerResources, stats', async () => {
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig('pids', join(g.dir, 'pods', 'pids')) });
  try {
    const create = (name: string, pid: string) =>
      cri.runtime.call('CreateContainer', {
        pod_sandbox_id: podId,
        config: { metadata: { name }, image: { image: 'busybox:latest' }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: { pid } } } },
      });
    const { container_id: shared } = await create('shared', 'POD');
    const { container_id: own } = await create('own', 'CONTAINER');
    for (const id of [shared, own]) await cri.runtime.call('StartContainer', { container_id: id });
    // UpdateContainerResources on a running container reaches the engine's HostConfig.
    await cri.runtime.call('UpdateContainerResources', { container_id: own, linux: { memory_limit_in_bytes: 64 * 1024 * 1024, cpu_shares: 512 } });
    const hc = JSON.parse((await g.run(['inspect', own])).stdout)[0].HostConfig;
    assert.deepEqual([hc.Memory, hc.CpuShares], [64 * 1024 * 1024, 512]);
    // Stats of the running containers: CPU time and memory in use.
    const st = (await cri.runtime.call('ContainerStats', { container_id: own })).stats;
    assert.equal(st.attributes.id, own);
    assert.equal(st.attributes.metadata.name, 'own');
    assert.ok(Number(st.memory.usage_bytes.value) > 0, JSON.stringify(st));
    assert.ok(Number(st.memory.working_set_bytes.value) <= Number(st.memory.usage_bytes.value));
    assert.ok(BigInt(st.cpu.timestamp) > 0n);
    const all = (await cri.runtime.call('ListContainerStats', { filter: { pod_sandbox_id: podId } })).stats;
    assert.deepEqual(all.map((s: any) => s.attributes.id).sort(), [own, shared].sort());
    const ps = async (id: string) => (await cri.runtime.call('ExecSync', { container_id: id, cmd: ['ps', '-o', 'pid,args'], timeout: 10 })).stdout.toString();
    assert.match(await ps(shared), /^\s*1 sleep 2147483647$/m);
    assert.match(await ps(own), /^\s*1 sleep 1000$/m);
  } finally {
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
});

test('ReopenContainerLog: after the kubelet renamed the log, lines go to a new file at log_path', async () => {
  const logDir = join(g.dir, 'pods', 'rotate');
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig('rotate', logDir) });
  try {
    const { container_id: id } = await cri.runtime.call('CreateContainer', {
      pod_sandbox_id: podId,
      config: { metadata: { name: 'chatty' }, image: { image: 'busybox:latest' }, command: ['sh', '-c', 'i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done'], log_path: 'chatty.log' },
    });
    await cri.runtime.call('StartContainer', { container_id: id });
    const log = join(logDir, 'chatty.log');
    await waitFor('the first lines', async () => ((await readFile(log, 'utf8').catch(() => '')).includes('line1') ? true : undefined));
    await rename(log, `${log}.1`);
    await cri.runtime.call('ReopenContainerLog', { container_id: id });
    const fresh = await waitFor('lines in the new file', async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text.split('\n').length > 2 ? text : undefined;
    });
    assert.match(fresh, /^\S+ stdout F line\d+$/m);
    assert.ok(!fresh.includes(' line0\n'));
    assert.match(await readFile(`${log}.1`, 'utf8'), / stdout F line0\n/);
    await cri.runtime.call('StopContainer', { container_id: id, timeout: 0 });
    await assert.rejects(cri.runtime.call('ReopenContainerLog', { container_id: id }), (e: any) => e.code === 9);
  } finally {
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
});

/** Opens a streaming URL as the kubelet does and collects each channel's text until the server closes. */
function openChannels(url: string, protocol: string): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol } });
    req.on('upgrade', (_res, socket: Duplex, head) => {
      const ws = new WebSocket(socket, 'client', head);
      const out = new Map<number, string>();
      ws.onMessage((m) => out.set(m.data[0]!, (out.get(m.data[0]!) ?? '') + m.data.subarray(1).toString()));
      ws.onClose(() => resolve(out));
    });
    req.on('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}
