// --format on inspect/ps/images with Go's template semantics, management
// command groups and their help, unknown commands, and `completion bash`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from './gantry-harness.js';

const GANTRY = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');

let g: Gantry;
before(async () => {
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'fmt-web', '--label', 'tier=front', '--label', 'com.example=x', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await g.run(['create', '--name', 'fmt-idle', 'busybox', 'true'])).code, 0);
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
});

test('inspect: range over the networks map, if/else, json, index of labels', async () => {
  const ip = await g.run(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'fmt-web']);
  assert.equal(ip.code, 0, ip.stderr);
  const direct = (await g.run(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'fmt-web'])).stdout;
  assert.equal(ip.stdout, direct);
  assert.doesNotMatch(ip.stdout, /no value/);
  const r = await g.run(['inspect', '-f', '{{if .State.Running}}up{{else}}down{{end}} {{index .Config.Labels "tier"}} {{json .Config.Labels}} {{len .Config.Labels}}', 'fmt-web', 'fmt-idle']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'up front {"com.example":"x","tier":"front"} 2\ndown  {} 0\n');
  const keys = await g.run(['inspect', '-f', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', 'fmt-web']);
  assert.equal(keys.stdout, 'com.example=x;tier=front;\n');
});

test('inspect: a broken template errors as docker does (exit 64), not echoed', async () => {
  const r = await g.run(['inspect', '-f', '{{.Name}', 'fmt-web']);
  assert.equal(r.code, 64);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "template parsing error: template: :1: bad character U+007D '}'\n");
  const exec = await g.run(['inspect', '-f', '{{.Name.Nope}}', 'fmt-web']);
  assert.equal(exec.code, 1);
  assert.match(exec.stderr, /^template parsing error: template: :1:2: executing "" at <\.Name\.Nope>: can't evaluate field Nope in type interface \{\}\n$/);
});

test('ps: table with .Label, if/eq, json rows, unknown fields are errors', async () => {
  const t = await g.run(['ps', '-a', '--filter', 'name=fmt-', '--format', 'table {{.Names}}\\t{{.Label "tier"}}\\t{{if eq .State "running"}}yes{{else}}no{{end}}']);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.split('\n');
  // The header stops where .Label (a method) cannot run on the map of names, as docker's does.
  assert.equal(lines[0], 'NAMES      ');
  assert.ok(lines.includes('fmt-idle             no') && lines.includes('fmt-web    front     yes'), t.stdout);
  const j = await g.run(['ps', '--filter', 'name=fmt-web', '--format', 'json']);
  const row = JSON.parse(j.stdout) as Record<string, unknown>;
  assert.equal(row.Names, 'fmt-web');
  assert.equal(row.Labels, 'tier=front,com.example=x');
  const bad = await g.run(['ps', '--format', '{{.Nope}}']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext\n');
  const unparsable = await g.run(['container', 'ls', '--format', '{{if .Names}}']);
  assert.equal(unparsable.code, 1);
  assert.equal(unparsable.stderr, 'template parsing error: template: :1: unexpected EOF\n');
});

test('images: custom table, printf widths and functions', async () => {
  const r = await g.run(['image', 'ls', '--format', 'table {{.Repository}}\\t{{printf "%-8s|" .Tag}}\\t{{upper .Repository | printf "%q"}}']);
  assert.equal(r.code, 0, r.stderr);
  // As docker's: the header row runs the same template over the column names, printf included.
  assert.equal(r.stdout, 'REPOSITORY   TAG     |   "REPOSITORY"\nbusybox      latest  |   "BUSYBOX"\n');
  const json = await g.run(['images', '--format', '{{json .}}']);
  assert.equal((JSON.parse(json.stdout) as { Repository: string }).Repository, 'busybox');
});

test('management groups: help lists the verbs, verbs run, --help shows the group words', async () => {
  for (const group of ['container', 'image', 'network', 'volume', 'system']) {
    const r = await g.run([group, '--help']);
    assert.equal(r.code, 0, `${group}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: {2}gantry ${group} COMMAND\\n`));
    assert.match(r.stdout, /\n {2}ls|\n {2}df/);
  }
  assert.match((await g.run(['image'])).stdout, /\n {2}pull {8}Download an image from a registry|\n {2}pull {8}\S/);
  assert.equal((await g.run(['container', 'ls', '-a', '--format', '{{.Names}}', '--filter', 'name=fmt-web'])).stdout, 'fmt-web\n');
  assert.match((await g.run(['container', 'ls', '--help'])).stdout, /Usage: {2}gantry container ls \[OPTIONS\]/);
  const unknown = await g.run(['contaner', 'ls']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, "gantry: 'contaner' is not a gantry command.\nSee 'gantry --help'\n\nDid you mean this?\n\tcontainer\n");
  const sub = await g.run(['image', 'pul']);
  assert.equal(sub.code, 1);
  assert.match(sub.stderr, /^gantry: 'image pul' is not a gantry command\.\nSee 'gantry image --help'\n\nDid you mean this\?\n(\t\w+\n)*\tpull\n/);
});

test('completion bash: valid bash, completes commands, verbs, flags and container/image names', async () => {
  const r = await g.run(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  const script = join(g.dir, 'gantry.bash');
  await writeFile(script, r.stdout);
  assert.equal(spawnSync('bash', ['-n', script]).status, 0);
  const complete = (words: string[]) => {
    const line = [GANTRY, '--root', g.root, '--runroot', g.runroot, ...words];
    const prog = `source ${script}; COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _gantry; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = spawnSync('bash', ['-c', prog], { env: g.env, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(complete(['con']), ['container']);
  assert.deepEqual(complete(['container', 'l']), ['logs', 'ls']);
  assert.deepEqual(complete(['ps', '--fo']), ['--format']);
  assert.deepEqual(complete(['rm', 'fmt-']), ['fmt-idle', 'fmt-web']);
  assert.deepEqual(complete(['container', 'stop', 'fmt-w']), ['fmt-web']);
  assert.deepEqual(complete(['image', 'rm', 'busy']), ['busybox:latest']);
  assert.deepEqual(complete(['ps', '--format', '']), []);
});
