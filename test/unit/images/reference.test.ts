import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarName,
  familiarString,
  hasExplicitTagOrDigest,
  parseReference,
  registryHost,
} from '../../../src/oci/reference.js';

const D = 'sha256:' + 'a'.repeat(64);

test('normalizes like docker', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t'],
    ['quay.io/org/app', 'quay.io/org/app:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    ['Example.com/app', 'Example.com/app:latest'],
    ['a__b/c-d.e', 'docker.io/a__b/c-d.e:latest'],
  ];
  for (const [input, want] of cases) assert.equal(parseReference(input).toString(), want, input);
});

test('splits domain, path, tag and digest', () => {
  const r = parseReference(`localhost:5000/team/app:v2@${D}`);
  assert.equal(r.domain, 'localhost:5000');
  assert.equal(r.path, 'team/app');
  assert.equal(r.name, 'localhost:5000/team/app');
  assert.equal(r.tag, 'v2');
  assert.equal(r.digest, D);
  assert.equal(parseReference('busybox', { defaultTag: false }).tag, undefined);
  assert.equal(hasExplicitTagOrDigest('busybox'), false);
  assert.equal(hasExplicitTagOrDigest('busybox:1'), true);
  assert.equal(hasExplicitTagOrDigest(`busybox@${D}`), true);
});

test('rejects invalid references with docker texts', () => {
  const cases: [string, RegExp][] = [
    ['', /Error: invalid reference format: repository name must have at least one component$/],
    ['Busybox', /Error: invalid reference format: repository name must be lowercase$/],
    ['user/Busybox:1', /Error: invalid reference format: repository name must be lowercase$/],
    ['busybox:', /Error: invalid reference format$/],
    ['busybox:-tag', /Error: invalid reference format$/],
    ['-busybox', /Error: invalid reference format$/],
    ['busy..box', /Error: invalid reference format$/],
    ['busybox@sha256:abc', /Error: invalid reference format$/],
    ['a'.repeat(64), /cannot specify 64-byte hexadecimal strings/],
    ['localhost:5000/' + 'a'.repeat(250), /repository name must not be more than 255 characters/],
    ['http://host/app', /Error: invalid reference format$/],
    [`busybox:${'t'.repeat(129)}`, /Error: invalid reference format$/],
  ];
  for (const [input, re] of cases) assert.throws(() => parseReference(input), re, input);
});

test('familiar names and registry hosts', () => {
  assert.equal(familiarName(parseReference('busybox')), 'busybox');
  assert.equal(familiarName(parseReference('user/app')), 'user/app');
  assert.equal(familiarName(parseReference('library/a/b')), 'library/a/b');
  assert.equal(familiarName(parseReference('localhost:5000/app')), 'localhost:5000/app');
  assert.equal(familiarString(parseReference('busybox')), 'busybox:latest');
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHost('localhost:5000'), 'localhost:5000');
});
