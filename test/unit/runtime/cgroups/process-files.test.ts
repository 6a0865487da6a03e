// Paths the engine's monitor and exec derive from mountinfo and /proc/<pid>/cgroup (no root needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oomCountFile } from '../../../../src/runtime/cgroups/oom-file.js';
import { procsFilesOf } from '../../../../src/runtime/cgroups/process-cgroups.js';

const line = (id: number, root: string, mountPoint: string, fstype: string, superOptions: string) =>
  `${id} 23 0:${id} ${root} ${mountPoint} rw,nosuid,nodev,noexec,relatime shared:${id} - ${fstype} cgroup ${superOptions}`;

const UNIFIED = [line(30, '/', '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate,memory_recursiveprot'), line(31, '/', '/proc', 'proc', 'rw')].join('\n');
const HYBRID = [
  line(31, '/', '/sys/fs/cgroup', 'tmpfs', 'rw,mode=755'),
  line(32, '/', '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
  line(35, '/', '/mnt/cg/mem', 'cgroup', 'rw,memory'),
  line(40, '/', '/sys/fs/cgroup/systemd', 'cgroup', 'rw,xattr,name=systemd'),
  line(41, '/', '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
].join('\n');

test('OOM counter on v2: memory.events of the container\'s own cgroup, custom parents included', () => {
  assert.equal(oomCountFile('/gantry/c1', UNIFIED), '/sys/fs/cgroup/gantry/c1/memory.events');
  assert.equal(oomCountFile('/custom/parent/c1', UNIFIED), '/sys/fs/cgroup/custom/parent/c1/memory.events');
  assert.equal(oomCountFile('/system.slice/gantry-c1.scope', UNIFIED), '/sys/fs/cgroup/system.slice/gantry-c1.scope/memory.events');
});

test('OOM counter on v1 (hybrid): memory.oom_control wherever the memory hierarchy is mounted; none without it', () => {
  assert.equal(oomCountFile('/custom/c1', HYBRID), '/mnt/cg/mem/custom/c1/memory.oom_control');
  assert.equal(oomCountFile('/gantry/c1', HYBRID.replace(/.*memory\n/, '')), undefined);
});

test('exec joins the cgroups /proc/<init>/cgroup names, in the mounts that show them', () => {
  const procCgroup = [
    '12:name=gantrytest:/',
    '4:memory:/gantry/c1',
    '2:cpuacct,cpu:/gantry/c1',
    '1:name=systemd:/gantry/c1',
    '7:pids:/gantry/c1',
    '0::/user.slice',
    '',
  ].join('\n');
  const mountinfo = [HYBRID, line(50, '/', '/tmp/gt dir', 'cgroup', 'rw,name=gantrytest').replace('/tmp/gt dir', '/tmp/gt\\040dir')].join('\n');
  assert.deepEqual(procsFilesOf(procCgroup, mountinfo), [
    // a hierarchy mounted after the init started holds it in its root
    '/tmp/gt dir/cgroup.procs',
    '/mnt/cg/mem/gantry/c1/cgroup.procs',
    '/sys/fs/cgroup/cpu,cpuacct/gantry/c1/cgroup.procs',
    '/sys/fs/cgroup/systemd/gantry/c1/cgroup.procs',
    // pids is not mounted here: nothing to join
    '/sys/fs/cgroup/unified/user.slice/cgroup.procs',
  ]);
});

test('exec on v2, and through a mount of a sub-cgroup (a container\'s view of its own cgroup)', () => {
  assert.deepEqual(procsFilesOf('0::/gantry/c1\n', UNIFIED), ['/sys/fs/cgroup/gantry/c1/cgroup.procs']);
  const bound = line(60, '/kubepods/pod1', '/sys/fs/cgroup', 'cgroup2', 'rw');
  assert.deepEqual(procsFilesOf('0::/kubepods/pod1/c1\n', bound), ['/sys/fs/cgroup/c1/cgroup.procs']);
  assert.deepEqual(procsFilesOf('0::/elsewhere\n', bound), []);
});
