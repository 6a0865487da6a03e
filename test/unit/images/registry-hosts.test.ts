import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseToml } from '../../../src/images/registry/toml.js';
import { parseHostsFile, registryHosts } from '../../../src/images/registry/hosts.js';
import { PullSources } from '../../../src/images/registry/sources.js';

test('parses the TOML hosts.toml uses', () => {
  const doc = parseToml(
    [
      '# a comment',
      'server = "https://registry.k8s.io"   # trailing comment',
      "literal = 'C:\\path'",
      'flag = true',
      'n = 1_000',
      'nested = [["a.cert", "a.key"], [ "b.cert" ,"b.key" ],]',
      'multi = [',
      '  "one", # first',
      '  "two"',
      ']',
      'dotted."quoted key".x = "\\u00e9\\t"',
      '',
      '[host."http://127.0.0.1:5000"]',
      '  capabilities = ["pull", "resolve"]',
      '  [host."http://127.0.0.1:5000".header]',
      '    x-custom = "1"',
      '[ host . "https://m2/path" ]',
      'skip_verify = false',
    ].join('\n'),
    'test.toml',
  );
  assert.deepEqual(doc, {
    server: 'https://registry.k8s.io',
    literal: 'C:\\path',
    flag: true,
    n: 1000,
    nested: [['a.cert', 'a.key'], ['b.cert', 'b.key']],
    multi: ['one', 'two'],
    dotted: { 'quoted key': { x: 'é\t' } },
    host: {
      'http://127.0.0.1:5000': { capabilities: ['pull', 'resolve'], header: { 'x-custom': '1' } },
      'https://m2/path': { skip_verify: false },
    },
  });
  // Keys keep file order: mirrors are tried in it.
  assert.deepEqual(Object.keys(doc.host as object), ['http://127.0.0.1:5000', 'https://m2/path']);
});

test('TOML errors name the file and line', () => {
  const cases: [string, RegExp][] = [
    ['a = "x"\nb = "unterminated\n', /^f\.toml:2: unterminated string/],
    ['a = "x"\n\n[t]\nb = nope\n', /^f\.toml:4: invalid value starting "nope"/],
    ['a = 1\na = 2\n', /^f\.toml:2: key a defined twice/],
    ['[t]\n[t]\n', /^f\.toml:2: table \[t\] defined twice/],
    ['a = 1 b = 2\n', /^f\.toml:1: unexpected "b" after a value/],
    ['a = [1, 2\n', /^f\.toml:2: expected "," or "]" in an array/],
    ['a = { b = 1 }\n', /^f\.toml:1: inline tables are not supported/],
    ['[[host]]\n', /^f\.toml:1: arrays of tables/],
    ['a = 1\n[a.b]\n', /^f\.toml:2: a is already a value, not a table/],
    ['= 1\n', /^f\.toml:1: unexpected "=" where a key belongs/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseToml(text, 'f.toml'), (err: Error) => re.test(err.message), text);
});

test('hosts.toml entries: capabilities, TLS paths relative to the host dir, headers, override_path', () => {
  const { mirrors, server } = parseHostsFile(
    [
      'server = "https://registry.k8s.io"',
      'capabilities = ["pull", "resolve"]',
      '[host."http://127.0.0.1:5000"]',
      '  capabilities = ["pull"]',
      '  skip_verify = true',
      '  ca = "ca.crt"',
      '  client = [["/abs/c.cert", "c.key"]]',
      '  override_path = true',
      '  [host."http://127.0.0.1:5000".header]',
      '    X-Custom = ["1", "2"]',
      '[host."mirror.example:5001"]',
      '  dial_timeout = "5s"',
    ].join('\n'),
    '/etc/gantry/certs.d/registry.k8s.io/hosts.toml',
  );
  assert.equal(server?.url.href, 'https://registry.k8s.io/');
  assert.deepEqual([...server!.capabilities], ['pull', 'resolve']);
  assert.equal(server?.mirror, false);
  const [m1, m2] = mirrors;
  assert.equal(m1?.url.href, 'http://127.0.0.1:5000/');
  assert.deepEqual([...m1!.capabilities], ['pull']);
  assert.equal(m1?.skipVerify, true);
  assert.deepEqual(m1?.ca, ['/etc/gantry/certs.d/registry.k8s.io/ca.crt']);
  assert.deepEqual(m1?.client, [{ cert: '/abs/c.cert', key: '/etc/gantry/certs.d/registry.k8s.io/c.key' }]);
  assert.deepEqual(m1?.headers, { 'x-custom': ['1', '2'] });
  assert.equal(m1?.overridePath, true);
  // A bare host:port means https, with every capability (containerd's defaults).
  assert.equal(m2?.url.href, 'https://mirror.example:5001/');
  assert.deepEqual([...m2!.capabilities], ['pull', 'resolve', 'push']);
  assert.equal(m2?.mirror, true);
});

test('hosts.toml mistakes are errors naming the file', () => {
  const f = '/d/x/hosts.toml';
  assert.throws(() => parseHostsFile('[host."http://m"]\ncapabilities = ["fetch"]\n', f), /: \/d\/x\/hosts\.toml: \[host\."http:\/\/m"\]: unknown capability "fetch"/);
  assert.throws(() => parseHostsFile('[host."ftp://m"]\n', f), /hosts\.toml: host URL "ftp:\/\/m": scheme must be http or https/);
  assert.throws(() => parseHostsFile('mirrors = ["x"]\n', f), /hosts\.toml: unknown key mirrors/);
  assert.throws(() => parseHostsFile('skip_verify = true\n', f), /hosts\.toml: top-level skip_verify applies to the server/);
  assert.throws(() => parseHostsFile('[host."http://m"]\nskip_verify = "yes"\n', f), /skip_verify must be true or false/);
  assert.throws(() => parseHostsFile('[host."http://m"]\nclient = [[1]]\n', f), /client entries must be/);
});

test('resolution: <dir>/<registry>, else _default, else none; mirrors in file order, then the server', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-hosts-unit-'));
  try {
    const write = async (name: string, text: string) => {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, 'hosts.toml'), text);
    };
    const config = { hostsDir: dir };
    assert.equal(await registryHosts('registry.k8s.io', config), undefined);
    await mkdir(join(dir, 'quay.io')); // a dir without hosts.toml (docker-style certs only) configures no mirrors
    assert.equal(await registryHosts('quay.io', config), undefined);

    await write('registry.k8s.io', [
      'server = "https://registry.k8s.io"',
      '[host."http://127.0.0.1:1"]',
      '  capabilities = ["pull"]',
      '[host."http://127.0.0.1:2/base"]',
      '  capabilities = ["pull", "resolve"]',
      '[host."http://127.0.0.1:3"]',
      '  capabilities = ["resolve"]',
    ].join('\n'));
    await write('_default', '[host."http://127.0.0.1:9"]\n');
    // quay.io's own directory (certificates only) decides for it, as in containerd: no _default mirrors.
    assert.equal(await registryHosts('quay.io', config), undefined);

    const k8s = await PullSources.open('registry.k8s.io', { config, upstreamAuth: undefined, storedAuth: async () => undefined });
    const labels = (op: 'tag' | 'digest', s: PullSources) => s.capable(op).map((h) => h.label);
    try {
      assert.deepEqual(labels('digest', k8s), ['http://127.0.0.1:1', 'http://127.0.0.1:2/base', 'https://registry.k8s.io']);
      // containerd's rule: a tag goes only to hosts that may both resolve and pull.
      assert.deepEqual(labels('tag', k8s), ['http://127.0.0.1:2/base', 'https://registry.k8s.io']);
    } finally {
      k8s.close();
    }

    const other = await PullSources.open('ghcr.io', { config, upstreamAuth: undefined, storedAuth: async () => undefined });
    try {
      // _default lists a mirror and no server: the registry itself comes last, as discovered today.
      assert.deepEqual(labels('tag', other), ['http://127.0.0.1:9', 'ghcr.io']);
    } finally {
      other.close();
    }

    const plain = await PullSources.open('ghcr.io', { config: { hostsDir: join(dir, 'absent') }, upstreamAuth: undefined, storedAuth: async () => undefined });
    try {
      assert.deepEqual(labels('tag', plain), ['ghcr.io']);
    } finally {
      plain.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
