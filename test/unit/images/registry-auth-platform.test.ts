import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWWWAuthenticate } from '../../../src/images/registry/challenge.js';
import { isInsecureRegistry } from '../../../src/images/registry/config.js';
import { parsePlatform, selectManifest } from '../../../src/images/registry/platform.js';
import { progressBar } from '../../../src/images/progress.js';
import type { Descriptor } from '../../../src/oci/image-spec.js';

test('parses WWW-Authenticate challenges', () => {
  assert.deepEqual(
    parseWWWAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'),
    [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } }],
  );
  assert.deepEqual(parseWWWAuthenticate('Basic realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
  assert.deepEqual(parseWWWAuthenticate('Basic realm="a, b", Bearer realm=x,error="insufficient_scope", scope="s1 s2"'), [
    { scheme: 'basic', params: { realm: 'a, b' } },
    { scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope', scope: 's1 s2' } },
  ]);
  assert.deepEqual(parseWWWAuthenticate('Bearer realm="q\\"uote"'), [{ scheme: 'bearer', params: { realm: 'q"uote' } }]);
  assert.deepEqual(parseWWWAuthenticate(undefined), []);
});

test('parses --platform values', () => {
  assert.deepEqual(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/aarch64/8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.throws(() => parsePlatform('linux//v7'), /invalid platform/);
});

const d = (n: number, platform: Descriptor['platform'], annotations?: Record<string, string>): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 1,
  platform,
  annotations,
});

test('selects manifests by os/arch/variant and skips attestations', () => {
  const list = [
    d(1, { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
    d(2, { os: 'linux', architecture: 'amd64' }),
    d(3, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    d(4, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    d(5, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    d(6, { os: 'windows', architecture: 'amd64' }),
  ];
  assert.equal(selectManifest(list, parsePlatform('linux/amd64'))?.digest, list[1]!.digest);
  assert.equal(selectManifest(list, parsePlatform('linux/arm/v7'))?.digest, list[3]!.digest);
  assert.equal(selectManifest(list, parsePlatform('linux/arm64'))?.digest, list[4]!.digest);
  assert.equal(selectManifest(list, parsePlatform('windows/amd64'))?.digest, list[5]!.digest);
  assert.equal(selectManifest(list, parsePlatform('linux/s390x')), undefined);
  assert.equal(selectManifest([list[0]!], parsePlatform('linux/amd64')), undefined);
});

test('plain HTTP only for loopback and configured registries', () => {
  assert.equal(isInsecureRegistry('localhost:5000'), true);
  assert.equal(isInsecureRegistry('127.0.0.2:5000'), true);
  assert.equal(isInsecureRegistry('[::1]:5000'), true);
  assert.equal(isInsecureRegistry('registry.example.com'), false);
  assert.equal(isInsecureRegistry('registry.example.com:5000', { insecureRegistries: ['registry.example.com:5000'] }), true);
  assert.equal(isInsecureRegistry('10.1.2.3:5000', { insecureRegistries: ['10.0.0.0/8'] }), true);
  assert.equal(isInsecureRegistry('11.1.2.3:5000', { insecureRegistries: ['10.0.0.0/8'] }), false);
});

test('progress bars look like docker', () => {
  assert.equal(progressBar(0, 1000), `[>${' '.repeat(49)}]       0B/1kB`);
  assert.equal(progressBar(1000, 1000), `[${'='.repeat(50)}]      1kB/1kB`);
  assert.match(progressBar(500_000, 1_000_000), /^\[={25}>\s{24}\]\s+500kB\/1MB$/);
});

test('the renderer redraws a layer line in place on a terminal and prints status lines otherwise', async () => {
  const { createProgressRenderer } = await import('../../../src/images/progress.js');
  const { PassThrough } = await import('node:stream');
  const capture = (isTTY: boolean) => {
    const out = Object.assign(new PassThrough(), { isTTY });
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const render = createProgressRenderer(out);
    render({ status: 'Pulling from library/busybox', id: 'latest' });
    render({ status: 'Pulling fs layer', id: 'aaaa' });
    render({ status: 'Pulling fs layer', id: 'bbbb' });
    render({ status: 'Downloading', id: 'aaaa', progressDetail: { current: 500, total: 1000 } });
    render({ status: 'Pull complete', id: 'aaaa' });
    render({ status: 'Digest: sha256:x' });
    return () => text;
  };
  const plain = capture(false);
  await new Promise((r) => setImmediate(r));
  assert.equal(plain(), 'latest: Pulling from library/busybox\naaaa: Pulling fs layer\nbbbb: Pulling fs layer\naaaa: Pull complete\nDigest: sha256:x\n');
  const tty = capture(true);
  await new Promise((r) => setImmediate(r));
  // aaaa is two lines above the cursor: up 2, clear, rewrite, back down 2.
  assert.ok(tty().includes('\x1b[2A\x1b[2K\raaaa: Downloading [' ), tty());
  assert.ok(tty().includes('\x1b[2A\x1b[2K\raaaa: Pull complete\r\x1b[2B'));
});
