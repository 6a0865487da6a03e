// The remote engine's pure pieces: DOCKER_HOST parsing, version negotiation,
// query and auth encoding, error mapping, stdcopy framing, line splitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerTimestamp, encodeQuery, errorFromResponse, negotiateVersion, parseHost, pathPart } from '../../../src/engine/remote/transport.js';
import { StdcopyDecoder, encodeFrame } from '../../../src/engine/remote/stdcopy.js';
import { LineSplitter } from '../../../src/engine/remote/streams.js';
import { encodeAuth } from '../../../src/engine/remote/images.js';
import { decodePathStat, hasTagOrDigest } from '../../../src/engine/remote/containers.js';

test('DOCKER_HOST addresses', () => {
  assert.deepEqual(parseHost('unix:///run/gantry/gantry.sock'), { socketPath: '/run/gantry/gantry.sock' });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2376'), { host: '127.0.0.1', port: 2376 });
  assert.deepEqual(parseHost('tcp://example.com'), { host: 'example.com', port: 2375 });
  assert.deepEqual(parseHost('http://[::1]:8080'), { host: '::1', port: 8080 });
  assert.throws(() => parseHost('/var/run/docker.sock'), { code: 'invalid-argument' });
  assert.throws(() => parseHost('ssh://me@box'), /protocol not available: ssh/);
});

test('API version: the lower of ours and the daemon\'s, 1.24 when it says nothing', () => {
  assert.equal(negotiateVersion('1.41'), '1.41');
  assert.equal(negotiateVersion('1.55'), '1.47');
  assert.equal(negotiateVersion('1.9'), '1.9');
  assert.equal(negotiateVersion('2.0'), '1.47');
  assert.equal(negotiateVersion(undefined), '1.24');
  assert.equal(negotiateVersion('garbage'), '1.24');
});

test('query strings as docker sends them', () => {
  assert.equal(encodeQuery({ all: true, size: false, limit: 3, name: undefined }), '?all=1&size=0&limit=3');
  assert.equal(encodeQuery({ names: ['a:1', 'b'] }), '?names=a%3A1&names=b');
  assert.equal(encodeQuery({ filters: JSON.stringify({ label: ['a=b'] }) }), '?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D');
  assert.equal(encodeQuery({}), '');
  assert.equal(pathPart('localhost:5000/library/busybox:1.36'), 'localhost:5000/library/busybox:1.36');
  assert.equal(pathPart('busybox@sha256:abc'), 'busybox@sha256:abc');
  assert.equal(pathPart('a b?'), 'a%20b%3F');
});

test('since/until as docker writes them: seconds and nine digits of nanoseconds', () => {
  assert.equal(dockerTimestamp(1700000000), '1700000000');
  assert.equal(dockerTimestamp(1700000000.5), '1700000000.500000000');
  // A double holds about microseconds at this magnitude: the digits are what it has.
  assert.match(dockerTimestamp(1700000000.123)!, /^1700000000\.12\d{7}$/);
  assert.match(dockerTimestamp(1700000000.25)!, /^1700000000\.250000000$/);
  assert.equal(dockerTimestamp(0), undefined);
  assert.equal(dockerTimestamp(undefined), undefined);
});

test('error statuses map back to the codes the server mapped them from', () => {
  const cases: [number, string][] = [
    [400, 'invalid-argument'],
    [401, 'unauthorized'],
    [403, 'permission-denied'],
    [404, 'not-found'],
    [409, 'conflict'],
    [500, 'internal'],
    [501, 'not-implemented'],
    [503, 'unavailable'],
  ];
  for (const [status, code] of cases) assert.equal(errorFromResponse(status, '{"message":"x"}').code, code, String(status));
  const e = errorFromResponse(404, '{"message":"No such container: web"}\n');
  assert.equal(e.message, 'No such container: web');
  assert.equal(errorFromResponse(502, 'Bad Gateway\n').message, 'Bad Gateway');
  assert.equal(errorFromResponse(500, '').message, 'request failed with status 500');
});

test('X-Registry-Auth is padded base64url JSON', () => {
  const enc = encodeAuth({ username: 'u', password: 'p?>', serveraddress: 'r.example' });
  assert.doesNotMatch(enc, /[+/]/);
  assert.equal(enc.length % 4, 0);
  assert.deepEqual(JSON.parse(Buffer.from(enc, 'base64url').toString()), { username: 'u', password: 'p?>', serveraddress: 'r.example' });
  assert.equal(Buffer.from(encodeAuth(undefined), 'base64').toString(), '{}');
});

test('create pulls name:latest for a bare name, as the docker CLI', () => {
  assert.equal(hasTagOrDigest('busybox'), false);
  assert.equal(hasTagOrDigest('127.0.0.1:5000/remote/busybox'), false);
  assert.equal(hasTagOrDigest('busybox:1.36'), true);
  assert.equal(hasTagOrDigest('127.0.0.1:5000/remote/busybox:v1'), true);
  assert.equal(hasTagOrDigest('busybox@sha256:' + 'a'.repeat(64)), true);
});

test('X-Docker-Container-Path-Stat decodes', () => {
  const stat = { name: 'etc', size: 4096, mode: 2147484141, mtime: '2024-01-01T00:00:00Z', linkTarget: '' };
  assert.deepEqual(decodePathStat(Buffer.from(JSON.stringify(stat)).toString('base64')), stat);
  assert.throws(() => decodePathStat(undefined), /no X-Docker-Container-Path-Stat/);
});

test('stdcopy frames are reassembled however the chunks fall', () => {
  const wire = Buffer.concat([
    encodeFrame(1, Buffer.from('hello ')),
    encodeFrame(2, Buffer.from('oops\n')),
    encodeFrame(0, Buffer.from('echoed')),
    encodeFrame(1, Buffer.alloc(0)),
    encodeFrame(1, Buffer.from('world\n')),
  ]);
  for (const size of [1, 3, 7, 8, 9, 13, wire.length]) {
    const got: [number, string][] = [];
    const d = new StdcopyDecoder((s, b) => got.push([s, b.toString()]));
    for (let i = 0; i < wire.length; i += size) d.push(wire.subarray(i, i + size));
    assert.deepEqual(got, [[1, 'hello '], [2, 'oops\n'], [1, 'echoed'], [1, 'world\n']], `chunks of ${size}`);
    assert.equal(d.leftover, 0);
  }
  const header = encodeFrame(1, Buffer.from('abc')).subarray(0, 8);
  assert.equal(header.readUInt32BE(4), 3);
});

test('a systemerr frame is an error, an unknown stream byte too', () => {
  const d = new StdcopyDecoder(() => undefined);
  assert.throws(() => d.push(encodeFrame(3, Buffer.from('exec failed'))), /error from daemon in stream: exec failed/);
  const bad = encodeFrame(1, Buffer.from('x'));
  bad[0] = 7;
  assert.throws(() => new StdcopyDecoder(() => undefined).push(bad), /unrecognized input header: 7/);
});

test('JSON lines split across chunks', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}\n\n{"c":3}'), ['{"b":2}']);
  assert.deepEqual(s.flush(), ['{"c":3}']);
  assert.deepEqual(s.flush(), []);
});
