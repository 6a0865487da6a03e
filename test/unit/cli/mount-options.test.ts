// The client half of --mount, -v and --device against texts captured from
// docker's CLI 28.2.2 (run with no daemon: these errors come before it is asked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeviceFlag, parseMountFlag, splitVolumeFlags } from '../../../src/cli/mount-options.js';
import { UsageError } from '../../../src/cli/flags.js';

const mountError = (value: string) => {
  try {
    parseMountFlag(value);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail(`${value} was accepted`);
};

test('--mount: tmpfs size with units and octal mode, bind and volume options', () => {
  assert.deepEqual(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770'), { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 2 ** 20, Mode: 0o1770 } });
  assert.deepEqual(parseMountFlag('TYPE=TMPFS,DST=/x,tmpfs-size=1.5k').TmpfsOptions, { SizeBytes: 1536 });
  assert.deepEqual(parseMountFlag('type=bind,src=/a,destination=/b,readonly,bind-propagation=RSLAVE,bind-nonrecursive'), {
    Type: 'bind',
    Source: '/a',
    Target: '/b',
    ReadOnly: true,
    BindOptions: { Propagation: 'rslave', NonRecursive: true },
  });
  assert.deepEqual(parseMountFlag('type=bind,source=/a,dst=/b,bind-recursive=disabled,ro=false').BindOptions, { NonRecursive: true });
  assert.equal(parseMountFlag('type=bind,source=/a,dst=/b,ro=false').ReadOnly, false);
  assert.deepEqual(parseMountFlag('src=data,dst=/d,volume-nocopy,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,ro=1'), {
    Type: 'volume',
    Source: 'data',
    Target: '/d',
    ReadOnly: true,
    VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } },
  });
  assert.equal(parseMountFlag('type=bind,src=./rel,dst=/b').Source, `${process.cwd()}/rel`);
  assert.equal(parseMountFlag('"type=bind","src=/a,b",dst=/c').Source, '/a,b', 'csv quoting');
  const warnings: string[] = [];
  parseMountFlag('type=bind,src=/a,dst=/b,bind-nonrecursive=true', (w) => warnings.push(w));
  assert.deepEqual(warnings, ['bind-nonrecursive is deprecated, use bind-recursive=disabled instead']);
});

test("--mount: docker's errors, word for word", () => {
  const cases: [string, string][] = [
    ['type=tmpfs,foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['type=tmpfs,tmpfs-size=abc,target=/x', 'invalid value for tmpfs-size: abc'],
    ['type=tmpfs,tmpfs-mode=999,target=/x', 'invalid value for tmpfs-mode: 999'],
    ['type=tmpfs,target=/x,tmpfs-size=', 'invalid value for tmpfs-size: '],
    ['type=volume,tmpfs-size=1m,dst=/x', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['type=tmpfs,dst=/x,volume-opt=a=b', "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    ['type=bind,dst=/x,tmpfs-mode=700', "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ['ro=maybe,dst=/x', 'invalid value for ro: maybe'],
    ['dst=/b,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'],
    ['target', "invalid field 'target' must be a key=value pair"],
    ['src=/a', 'target is required'],
    ['type=,dst=/x', 'type is required'],
    ['', 'EOF'],
    ['type=bind,src=/a,dst=/b,bind-recursive=bogus', 'invalid value for bind-recursive: bogus (must be "enabled", "disabled", "writable", or "readonly")'],
    ['type=bind,src=/a,dst=/b,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/a,dst=/b,bind-recursive=readonly,ro', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    ['type=tmpfs,dst=/b,"tmpfs-size=1m', 'parse error on line 1, column 33: extraneous or missing " in quoted-field'],
    ['type=tmpfs,ds"t=/b', 'parse error on line 1, column 14: bare " in non-quoted-field'],
  ];
  for (const [value, why] of cases) assert.equal(mountError(value), `invalid argument ${JSON.stringify(value)} for "--mount" flag: ${why}`, value);
  assert.equal(mountError('type=tmpfs,ds"t=/b'), 'invalid argument "type=tmpfs,ds\\"t=/b" for "--mount" flag: parse error on line 1, column 14: bare " in non-quoted-field');
});

test('-v: binds with a source, anonymous volumes without; the colon rules of docker\'s CLI', () => {
  assert.deepEqual(splitVolumeFlags(['/host:/ctr:ro', 'data:/d', '/anon', './rel:/r']), { binds: ['/host:/ctr:ro', 'data:/d', `${process.cwd()}/rel:/r`], volumes: { '/anon': {} } });
  assert.throws(() => splitVolumeFlags([':/x']), { message: 'invalid spec: :/x: empty section between colons' });
  assert.throws(() => splitVolumeFlags(['/x::/y']), { message: 'invalid spec: /x::/y: empty section between colons' });
  assert.throws(() => splitVolumeFlags(['/x:/y:ro:z']), { message: 'invalid spec: /x:/y:ro:z: too many colons' });
  assert.throws(() => splitVolumeFlags(['']), { message: 'invalid empty volume spec' });
});

test('--device: paths checked and split as docker does for a Linux engine', () => {
  assert.deepEqual(parseDeviceFlag('/dev/null'), { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDeviceFlag('/dev/null/:r'), { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'r' });
  assert.deepEqual(parseDeviceFlag('/dev/null:/dev/nil/'), { PathOnHost: '/dev/null', PathInContainer: '/dev/nil', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDeviceFlag('/dev/null:/dev/nil:rw'), { PathOnHost: '/dev/null', PathInContainer: '/dev/nil', CgroupPermissions: 'rw' });
  assert.throws(() => parseDeviceFlag('/dev/null:rel'), { message: 'rel is not an absolute path' });
  assert.throws(() => parseDeviceFlag('/dev/null:/x:rwx'), { message: 'bad mode specified: rwx' });
  assert.throws(() => parseDeviceFlag(':/x'), { message: 'bad format for path: :/x' });
  assert.throws(() => parseDeviceFlag('/a:/b:r:w'), { message: 'bad format for path: /a:/b:r:w' });
});
