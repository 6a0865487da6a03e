// The engine half of mounts: dockerd's parse of -v (ParseMountRaw), its checks of
// --mount specs, tmpfs option merging, and the order mounts reach the runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindSpec, tmpfsMountData, validateMountConfig, validateVolumeOptions } from '../../../src/engine/volumes.js';
import { resources, tmpfsOptions, userMounts } from '../../../src/engine/spec/build-spec.js';
import { defaultHostConfig, type MountPoint } from '../../../src/engine/docker-types.js';

test('-v: a mount at / or at a relative path is refused with dockerd\'s text', () => {
  assert.throws(() => parseBindSpec('/x:/'), { message: `invalid volume specification: '/x:/': invalid mount config for type "bind": invalid specification: destination can't be '/'` });
  assert.throws(() => parseBindSpec('/x:/y/..'), { message: `invalid volume specification: '/x:/y/..': invalid mount config for type "bind": invalid specification: destination can't be '/'` });
  assert.throws(() => parseBindSpec('vol:/'), { message: `invalid volume specification: 'vol:/': invalid mount config for type "volume": invalid specification: destination can't be '/'` });
  assert.throws(() => parseBindSpec('/x:rel'), { message: `invalid volume specification: '/x:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute` });
  assert.throws(() => parseBindSpec('/foo:rw'), { message: `invalid volume specification: '/foo:rw'` });
  assert.throws(() => parseBindSpec('a:b:c:d'), { message: `invalid volume specification: 'a:b:c:d'` });
  assert.throws(() => parseBindSpec('/x:/y:bogus'), { message: 'invalid mode: bogus' });
  assert.throws(() => parseBindSpec('/x:/y:ro,rw'), { message: 'invalid mode: ro,rw' });
  assert.throws(() => parseBindSpec('vol:/y:rshared'), { message: `invalid volume specification: 'vol:/y:rshared': invalid mount config for type "volume": field BindOptions must not be specified` });
});

test('-v: modes become the mount\'s options', () => {
  assert.deepEqual(parseBindSpec('/x:/y:ro,rslave'), { mount: { Type: 'bind', Source: '/x', Target: '/y', ReadOnly: true, BindOptions: { Propagation: 'rslave' } }, mode: 'ro,rslave' });
  assert.deepEqual(parseBindSpec('data:/y:nocopy'), { mount: { Type: 'volume', Source: 'data', Target: '/y', ReadOnly: false, VolumeOptions: { NoCopy: true } }, mode: 'nocopy' });
});

test('--mount specs: dockerd\'s checks', () => {
  const msg = (m: Parameters<typeof validateMountConfig>[0]) => {
    try {
      validateMountConfig(m);
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };
  assert.equal(msg({ Type: 'tmpfs', Target: '/' }), `invalid mount config for type "tmpfs": invalid specification: destination can't be '/'`);
  assert.equal(msg({ Type: 'bind', Target: '/x' }), 'invalid mount config for type "bind": field Source must not be empty');
  assert.equal(msg({ Type: 'bind', Source: '/no/such/dir', Target: '/x' }), 'invalid mount config for type "bind": bind source path does not exist: /no/such/dir');
  assert.equal(msg({ Type: 'bind', Source: '/', Target: '/x', BindOptions: { Propagation: 'bogus' } }), 'invalid mount config for type "bind": invalid propagation mode: bogus');
  assert.equal(msg({ Type: 'tmpfs', Source: 'x', Target: '/x' }), 'invalid mount config for type "tmpfs": field Source must not be specified');
  assert.equal(msg({ Type: 'volume', Target: '/x', ReadOnly: true }), 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes');
  assert.equal(msg({ Type: 'bogus', Target: '/x' }), 'invalid mount config for type "bogus": mount type unknown');
  assert.equal(msg({ Type: 'bind', Source: '/', Target: '/x' }), 'accepted');
  assert.throws(() => validateVolumeOptions({ foo: 'bar' }), { message: 'invalid option: "foo"' });
  assert.throws(() => validateVolumeOptions({ device: 'tmpfs' }), { message: 'missing required option: "type"' });
});

test('tmpfs: dockerd\'s defaults, the user\'s options over them, size with a unit', () => {
  assert.equal(tmpfsMountData({ Type: 'tmpfs', Target: '/t', ReadOnly: true, TmpfsOptions: { SizeBytes: 64 * 2 ** 20, Mode: 0o1770 } }), 'ro,mode=1770,size=64m');
  assert.equal(tmpfsMountData({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1000 } }), 'size=1000');
  assert.deepEqual(tmpfsOptions(''), ['noexec', 'nosuid', 'nodev', 'rprivate']);
  assert.deepEqual(tmpfsOptions('exec,size=2m,mode=700,size=3m,rshared'), ['nosuid', 'nodev', 'exec', 'mode=700', 'size=3m', 'rshared']);
  assert.throws(() => tmpfsOptions('foo'), { message: 'invalid tmpfs option ["foo"]' });
  assert.throws(() => tmpfsOptions('a=b'), { message: 'invalid tmpfs option ["a" "b"]' });
});

test('user mounts: --tmpfs and --mount tmpfs with their options, parents before children', () => {
  const hc = { ...defaultHostConfig(), Tmpfs: { '/a': 'size=1m' }, Mounts: [{ Type: 'tmpfs', Target: '/b/', TmpfsOptions: { Mode: 0o700 } }, { Type: 'bind', Source: '/s', Target: '/a/c', BindOptions: { NonRecursive: true } }] };
  const points: MountPoint[] = [
    { Type: 'bind', Source: '/s', Destination: '/a/c', Mode: '', RW: false, Propagation: 'rprivate' },
    { Type: 'tmpfs', Source: '', Destination: '/b', Mode: '', RW: true, Propagation: '' },
  ];
  assert.deepEqual(userMounts(points, hc), [
    { destination: '/a', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m'] },
    { destination: '/b', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'mode=700'] },
    { destination: '/a/c', type: 'bind', source: '/s', options: ['bind', 'rprivate', 'ro'] },
  ]);
});

test("--device permissions become the device's cgroup rule", () => {
  const r = resources(defaultHostConfig(), [{ path: '/dev/k', type: 'c', major: 1, minor: 11 }, { path: '/dev/b', type: 'b', major: 8, minor: 0 }], false, ['r', 'rw']);
  assert.deepEqual(r.devices?.slice(-2), [
    { allow: true, type: 'c', major: 1, minor: 11, access: 'r' },
    { allow: true, type: 'b', major: 8, minor: 0, access: 'rw' },
  ]);
});
