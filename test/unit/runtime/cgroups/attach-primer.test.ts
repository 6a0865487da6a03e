import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownCgroupProcsFile, primeCgroupAttach } from '../../../../src/runtime/cgroups/attach-primer.js';

const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

test('ownCgroupProcsFile: the first hierarchy mounted at its root holds our cgroup', () => {
  const self = '4:memory:/process_api/abc\n1:cpu:/user.slice\n0::/\n';
  assert.equal(ownCgroupProcsFile(self, HYBRID_MOUNTINFO), '/sys/fs/cgroup/cpu/user.slice/cgroup.procs');
  assert.equal(ownCgroupProcsFile('9:name=systemd:/\n', HYBRID_MOUNTINFO), '/sys/fs/cgroup/systemd/cgroup.procs');
  assert.equal(ownCgroupProcsFile('0::/a/b\n', HYBRID_MOUNTINFO), '/sys/fs/cgroup/unified/a/b/cgroup.procs');
});

test('ownCgroupProcsFile: unified mode, and mounts of a sub-cgroup (a namespace or bind) are not trusted', () => {
  assert.equal(ownCgroupProcsFile('0::/user.slice/x\n', '25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw'), '/sys/fs/cgroup/user.slice/x/cgroup.procs');
  assert.equal(ownCgroupProcsFile('0::/\n', '25 1 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw'), undefined);
  assert.equal(ownCgroupProcsFile('1:cpu:/\n', '25 1 0:22 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids'), undefined);
});

test('primeCgroupAttach leaves this process in its cgroups and stops cleanly', async () => {
  const before = (await import('node:fs')).readFileSync('/proc/self/cgroup', 'utf8');
  const stop = primeCgroupAttach();
  await new Promise((r) => setTimeout(r, 30));
  stop();
  stop();
  assert.equal((await import('node:fs')).readFileSync('/proc/self/cgroup', 'utf8'), before);
});
