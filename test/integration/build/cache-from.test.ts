// --cache-from and history: an image built here, pushed to a registry, its
// local copy and the build cache dropped, pulled back, answers every step of
// the same build ("Using cache", no container run); a changed file reruns from
// its COPY on, the steps before it taken from a prefix of the pulled image.
// The built image's history is docker's classic builder's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';

let g: Gantry;
let reg: TestRegistry;
let dir: string;

const DOCKERFILE = `FROM busybox
ARG FLAVOR=plain
ENV APP=/app
WORKDIR /app
COPY base.txt ./
RUN echo "$FLAVOR" > flavor.txt
COPY src.txt ./
RUN cat base.txt src.txt > all.txt
EXPOSE 8080
CMD ["cat", "all.txt"]
`;

before(async () => {
  g = await Gantry.create();
  reg = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), 'gantry-cache-from-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(dir, 'base.txt'), 'base\n');
  await writeFile(join(dir, 'src.txt'), 'one\n');
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
  await reg?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await g.run(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('history entries as docker classic builder writes them', async () => {
  await ok(['build', '-t', 'hist:1', dir]);
  const rows = (await ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'hist:1'])).trim().split('\n');
  assert.deepEqual(rows.slice(0, 9), [
    '/bin/sh -c #(nop)  CMD ["cat" "all.txt"]',
    '/bin/sh -c #(nop)  EXPOSE 8080',
    '|1 FLAVOR=plain /bin/sh -c cat base.txt src.txt > all.txt',
    rows[3]!,
    '|1 FLAVOR=plain /bin/sh -c echo "$FLAVOR" > flavor.txt',
    rows[5]!,
    '/bin/sh -c #(nop)  WORKDIR /app',
    '/bin/sh -c #(nop)  ENV APP=/app',
    '/bin/sh -c #(nop)  ARG FLAVOR=plain',
  ]);
  assert.match(rows[3]!, /^\/bin\/sh -c #\(nop\)  COPY file:[0-9a-f]{64} in \.\/ $/);
  assert.match(rows[5]!, /^\/bin\/sh -c #\(nop\)  COPY file:[0-9a-f]{64} in \.\/ $/);
  // Four layers on busybox's one; WORKDIR's directory went into the first COPY's layer.
  const layers = JSON.parse(await ok(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'hist:1'])) as string[];
  assert.equal(layers.length, 5);
});

test('--cache-from a pushed and pulled image answers the steps', async () => {
  const ref = `${reg.host}/cached/app:1`;
  await ok(['build', '-t', ref, dir]);
  await ok(['push', ref]);
  await ok(['rmi', ref, 'hist:1']);
  await ok(['builder', 'prune', '-a', '-f']);
  await ok(['pull', ref]);

  const cold = await ok(['build', dir]);
  assert.doesNotMatch(cold, /Using cache/, 'without --cache-from the pulled image is not used');

  await ok(['builder', 'prune', '-a', '-f']);
  const hit = await ok(['build', '--cache-from', ref, '-t', 'again:1', dir]);
  assert.doesNotMatch(hit, /Running in/, hit);
  assert.equal((hit.match(/Using cache/g) ?? []).length, 4, hit);
  const pulledId = (await ok(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
  assert.equal((await ok(['image', 'inspect', '--format', '{{.Id}}', 'again:1'])).trim(), pulledId, 'every step matched: the pulled image itself');

  // One file changed: the steps before its COPY come from the pulled image's prefix.
  await writeFile(join(dir, 'src.txt'), 'two\n');
  await ok(['builder', 'prune', '-a', '-f']);
  const partial = await ok(['build', '--cache-from', ref, '-t', 'changed:1', dir]);
  assert.equal((partial.match(/Using cache/g) ?? []).length, 2, partial);
  assert.equal((partial.match(/Running in/g) ?? []).length, 1, partial);
  const run = await g.run(['run', '--rm', 'changed:1']);
  assert.equal(run.stdout, 'base\ntwo\n', run.stderr);
  const flavor = await g.run(['run', '--rm', 'changed:1', 'cat', 'flavor.txt']);
  assert.equal(flavor.stdout, 'plain\n', flavor.stderr);
});
