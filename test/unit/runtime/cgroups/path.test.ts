import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCgroupPath, expandSlice } from '../../../../src/runtime/cgroups/index.js';
import { isInvalidArgument } from '../../../../src/errdefs/index.js';

test('cgroupfs paths', () => {
  assert.equal(resolveCgroupPath({ id: 'c1' }), '/gantry/c1');
  assert.equal(resolveCgroupPath({ id: 'c1', cgroupsPath: '/kubepods/pod1/c1' }), '/kubepods/pod1/c1');
  assert.equal(resolveCgroupPath({ id: 'c1', cgroupsPath: 'mygroup/c1' }), '/mygroup/c1');
  assert.equal(resolveCgroupPath({ id: 'c1', cgroupsPath: '//a/./b/' }), '/a/b');
  assert.throws(() => resolveCgroupPath({ id: 'c1', cgroupsPath: '/a/../b' }), isInvalidArgument);
  assert.throws(() => resolveCgroupPath({ id: 'c1', cgroupsPath: '/' }), isInvalidArgument);
});

test('systemd "slice:prefix:name" maps onto cgroupfs like systemd nests it', () => {
  assert.equal(expandSlice('system.slice'), '/system.slice');
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(expandSlice('-.slice'), '');
  assert.throws(() => expandSlice('a--b.slice'), isInvalidArgument);
  assert.throws(() => expandSlice('nota'), isInvalidArgument);
  assert.equal(resolveCgroupPath({ id: 'c1', systemd: true, cgroupsPath: 'system.slice:docker:abc' }), '/system.slice/docker-abc.scope');
  assert.equal(
    resolveCgroupPath({ id: 'c1', systemd: true, cgroupsPath: 'kubepods-besteffort-pod12.slice:cri-containerd:abc' }),
    '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-abc.scope',
  );
  assert.equal(resolveCgroupPath({ id: 'c1', systemd: true, cgroupsPath: ':gantry:c1' }), '/system.slice/gantry-c1.scope');
  assert.equal(resolveCgroupPath({ id: 'c1', systemd: true }), '/system.slice/gantry-c1.scope');
  assert.throws(() => resolveCgroupPath({ id: 'c1', systemd: true, cgroupsPath: '/not/systemd' }), /expected cgroupsPath to be of format "slice:prefix:name"/);
});
