// The CRI's Linux security context and cgroups through gantry system service
// --cri: seccomp profiles (RuntimeDefault, Unconfined, Localhost files, the
// deprecated profile paths), supplemental groups, the pod's cgroup parent,
// oom_score_adj (never lowered), and PodSandboxStats / ListPodSandboxStats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startCri, type CriHarness, importPauseImage } from './cri-client.js';

let g: Gantry;
let cri: CriHarness;
/** Cgroup parents the tests made the engine create, removed at the end (as the kubelet removes its pod cgroups). */
const parents: string[] = [];

before(async () => {
  g = await Gantry.create();
  await importPauseImage(g);
  cri = await startCri(g);
});

after(async () => {
  await cri?.stop();
  await g?.cleanup();
  for (const parent of parents) removeCgroupParent(parent);
  await removeRootfsCache();
});

/** rmdir of parent and its ancestors in every v1 hierarchy, deepest first (they are empty once the pods are gone). */
function removeCgroupParent(parent: string): void {
  const parts = parent.split('/').filter(Boolean);
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    for (let n = parts.length; n > 0; n--) {
      const dir = join('/sys/fs/cgroup', controller, ...parts.slice(0, n));
      if (existsSync(dir)) rmdirSync(dir);
    }
  }
}

const sandboxConfig = (name: string, linux: object = {}) => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
  hostname: name,
  log_directory: join(g.dir, 'pods', name),
  labels: { app: name },
  annotations: { note: name },
  linux,
});

async function withPod(name: string, linux: object, fn: (podId: string) => Promise<void>): Promise<void> {
  const { pod_sandbox_id: podId } = await cri.runtime.call('RunPodSandbox', { config: sandboxConfig(name, linux) });
  try {
    await fn(podId);
  } finally {
    await cri.runtime.call('StopPodSandbox', { pod_sandbox_id: podId });
    await cri.runtime.call('RemovePodSandbox', { pod_sandbox_id: podId });
  }
}

/** A started busybox container sleeping in the pod, with this security context and resources. */
async function startContainer(podId: string, name: string, securityContext: object = {}, resources: object = {}): Promise<string> {
  const { container_id: id } = await cri.runtime.call('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name }, image: { image: 'busybox:latest' }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: { pid: 'CONTAINER' }, ...securityContext }, resources } },
  });
  await cri.runtime.call('StartContainer', { container_id: id });
  return id;
}

async function sh(id: string, script: string): Promise<{ out: string; code: number }> {
  const r = await cri.runtime.call('ExecSync', { container_id: id, cmd: ['sh', '-c', script], timeout: 10 });
  return { out: r.stdout.toString() + r.stderr.toString(), code: r.exit_code };
}

const seccompMode = async (id: string) => (await sh(id, 'grep ^Seccomp: /proc/self/status')).out.trim();

test('seccomp: RuntimeDefault blocks unshare(CLONE_NEWUSER) with EPERM; Unconfined, nothing asked and privileged run without a filter', async () => {
  await withPod('seccomp', { security_context: { seccomp: { profile_type: 'RuntimeDefault' } } }, async (podId) => {
    const def = await startContainer(podId, 'default', { seccomp: { profile_type: 'RuntimeDefault' } });
    const legacy = await startContainer(podId, 'legacy', { seccomp_profile_path: 'runtime/default' });
    const unconfined = await startContainer(podId, 'unconfined', { seccomp: { profile_type: 'Unconfined' } });
    const unset = await startContainer(podId, 'unset');
    const privileged = await startContainer(podId, 'privileged', { privileged: true, seccomp: { profile_type: 'RuntimeDefault' } });
    for (const id of [def, legacy]) {
      const r = await sh(id, 'unshare -U true');
      assert.notEqual(r.code, 0);
      assert.match(r.out, /Operation not permitted/);
      assert.equal(await seccompMode(id), 'Seccomp:\t2');
    }
    for (const id of [unconfined, unset, privileged]) {
      assert.deepEqual(await sh(id, 'unshare -U true'), { out: '', code: 0 });
      assert.equal(await seccompMode(id), 'Seccomp:\t0');
    }
    // The pod-level profile is the pause container's.
    const pause = JSON.parse((await g.run(['inspect', podId])).stdout)[0];
    assert.deepEqual(pause.HostConfig.SecurityOpt, ['seccomp=builtin']);
    assert.equal(readFileSync(`/proc/${pause.State.Pid}/status`, 'utf8').match(/^Seccomp:\s+(\d)/m)?.[1], '2');
  });
});

test('seccomp: a Localhost profile file is applied (here: mkdir fails); a missing or invalid file fails CreateContainer', async () => {
  const profile = join(g.dir, 'no-mkdir.json');
  await writeFile(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
  const invalid = join(g.dir, 'invalid.json');
  await writeFile(invalid, JSON.stringify({ defaultAction: 'SCMP_ACT_MAYBE' }));
  await withPod('localhost', {}, async (podId) => {
    for (const sc of [{ seccomp: { profile_type: 'Localhost', localhost_ref: profile } }, { seccomp_profile_path: `localhost/${profile}` }]) {
      const id = await startContainer(podId, `local-${Object.keys(sc)[0]}`, sc);
      const r = await sh(id, 'mkdir /made');
      assert.notEqual(r.code, 0);
      assert.match(r.out, /can't create directory '\/made': Operation not permitted/);
      assert.deepEqual(await sh(id, 'touch /file && echo ok'), { out: 'ok\n', code: 0 });
    }
    const create = (sc: object) =>
      cri.runtime.call('CreateContainer', { pod_sandbox_id: podId, config: { metadata: { name: 'bad' }, image: { image: 'busybox:latest' }, command: ['true'], linux: { security_context: sc } } });
    const missing = join(g.dir, 'missing.json');
    await assert.rejects(create({ seccomp: { profile_type: 'Localhost', localhost_ref: missing } }), (err: { code: number; details: string }) => {
      assert.equal(err.code, 3); // INVALID_ARGUMENT
      assert.match(err.details, new RegExp(`cannot load seccomp profile "${missing}": .*no such file or directory`));
      return true;
    });
    await assert.rejects(create({ seccomp: { profile_type: 'Localhost', localhost_ref: invalid } }), /seccomp profile ".*invalid\.json": invalid seccomp profile: defaultAction "SCMP_ACT_MAYBE"/);
    await assert.rejects(create({ seccomp_profile_path: 'localhost/relative.json' }), /must be absolute/);
    await assert.rejects(create({ seccomp_profile_path: 'bogus' }), /unsupported seccomp profile "bogus"/);
  });
});

test('supplemental groups (the pod\'s, as the kubelet copies them) with run_as_user and run_as_group, in id and /proc/self/status', async () => {
  await withPod('groups', { security_context: { supplemental_groups: [1234, 5678] } }, async (podId) => {
    const id = await startContainer(podId, 'grouped', { run_as_user: { value: 1000 }, run_as_group: { value: 3000 }, supplemental_groups: [1234, 5678] });
    assert.equal((await sh(id, 'id')).out.trim(), 'uid=1000 gid=3000 groups=1234,5678');
    assert.match((await sh(id, 'grep ^Groups: /proc/self/status')).out, /^Groups:\s+1234 5678\s*$/);
    // Only the image user's own groups without supplemental groups.
    const plain = await startContainer(podId, 'plain', { run_as_user: { value: 1000 } });
    assert.match((await sh(plain, 'grep ^Groups: /proc/self/status')).out, /^Groups:\s*$/);
  });
});

test('cgroup parent: the sandbox and its containers under the pod\'s cgroup, removed with them', async () => {
  const parent = `/gantry-secctx-${randomBytes(4).toString('hex')}/burstable/poduid-cg`;
  parents.push(parent);
  let dirs: string[] = [];
  await withPod('cg', { cgroup_parent: parent }, async (podId) => {
    const id = await startContainer(podId, 'member');
    dirs = [podId, id].map((c) => join('/sys/fs/cgroup/memory', parent, c));
    for (const dir of dirs) assert.ok(existsSync(dir), `${dir} exists`);
    assert.match((await sh(id, 'grep :memory: /proc/self/cgroup')).out, new RegExp(`^\\d+:memory:${parent}/${id}$`, 'm'));
    const sandbox = JSON.parse((await g.run(['inspect', podId])).stdout)[0];
    const member = JSON.parse((await g.run(['inspect', id])).stdout)[0];
    assert.deepEqual([sandbox.HostConfig.CgroupParent, member.HostConfig.CgroupParent], [parent, parent]);
  });
  for (const dir of dirs) assert.ok(!existsSync(dir), `${dir} is removed`);
});

test('oom_score_adj: applied when not below the service\'s own, else kept (logged once); UpdateContainerResources raises, never lowers', async () => {
  const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  const higher = Math.min(1000, own + 300);
  const lower = own - 100;
  await withPod('oom', {}, async (podId) => {
    const adj = async (id: string) => Number((await sh(id, 'cat /proc/1/oom_score_adj')).out);
    const up = await startContainer(podId, 'up', {}, { oom_score_adj: higher });
    assert.equal(await adj(up), higher);
    if (own > -900) {
      const down = await startContainer(podId, 'down', {}, { oom_score_adj: lower });
      assert.equal(await adj(down), own);
      assert.equal(cri.stderr().match(/oom_score_adj -?\d+ is below/g)?.length, 1, cri.stderr());
    }
    const raised = Math.min(1000, higher + 100);
    await cri.runtime.call('UpdateContainerResources', { container_id: up, linux: { oom_score_adj: raised } });
    assert.equal(await adj(up), raised);
    await cri.runtime.call('UpdateContainerResources', { container_id: up, linux: { oom_score_adj: own } });
    assert.equal(await adj(up), raised);
  });
});

test('PodSandboxStats: the pod\'s CPU, memory, processes and network interfaces, with its containers; ListPodSandboxStats filters', async () => {
  await withPod('statspod', {}, async (podId) => {
    const a = await startContainer(podId, 'a');
    const b = await startContainer(podId, 'b');
    await sh(a, 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done');
    const { stats } = await cri.runtime.call('PodSandboxStats', { pod_sandbox_id: podId });
    assert.equal(stats.attributes.id, podId);
    assert.deepEqual(stats.attributes.metadata, { name: 'statspod', uid: 'uid-statspod', namespace: 'default', attempt: 0 });
    assert.deepEqual(stats.attributes.labels, { app: 'statspod' });
    assert.deepEqual(stats.attributes.annotations, { note: 'statspod' });
    const linux = stats.linux;
    assert.ok(Number(linux.cpu.usage_core_nano_seconds.value) > 0, JSON.stringify(linux.cpu));
    assert.ok(Number(linux.memory.usage_bytes.value) > 0, JSON.stringify(linux.memory));
    assert.ok(Number(linux.memory.working_set_bytes.value) <= Number(linux.memory.usage_bytes.value));
    assert.equal(Number(linux.process.process_count.value), 3, 'the pause process and two sleeps');
    assert.equal(linux.network.default_interface.name, 'eth0');
    assert.ok(linux.network.interfaces.some((i: { name: string }) => i.name === 'eth0'));
    assert.ok(!linux.network.interfaces.some((i: { name: string }) => i.name === 'lo'));
    assert.deepEqual(linux.containers.map((c: any) => c.attributes.id).sort(), [a, b].sort());
    const memberCpu = linux.containers.reduce((n: number, c: any) => n + Number(c.cpu.usage_core_nano_seconds.value), 0);
    assert.ok(Number(linux.cpu.usage_core_nano_seconds.value) >= memberCpu, 'the pod\'s CPU time includes its containers\'');
    assert.equal(linux.containers.find((c: any) => c.attributes.id === a).attributes.metadata.name, 'a');
    await withPod('otherpod', {}, async (otherId) => {
      const list = async (filter: object) => (await cri.runtime.call('ListPodSandboxStats', { filter })).stats.map((s: any) => s.attributes.id).sort();
      assert.deepEqual(await list({}), [podId, otherId].sort());
      assert.deepEqual(await list({ id: podId.slice(0, 12) }), [podId]);
      assert.deepEqual(await list({ label_selector: { app: 'otherpod' } }), [otherId]);
      assert.deepEqual(await list({ label_selector: { app: 'nothing' } }), []);
      const other = (await cri.runtime.call('PodSandboxStats', { pod_sandbox_id: otherId })).stats.linux;
      assert.deepEqual([other.containers, Number(other.process.process_count.value)], [[], 1]);
    });
  });
  await assert.rejects(cri.runtime.call('PodSandboxStats', { pod_sandbox_id: 'nosuchpod' }), (err: { code: number }) => err.code === 5);
});
