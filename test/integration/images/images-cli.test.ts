// The image CLI end to end through bin/gantry: import (the README's path),
// images, image inspect, tag, rmi, history, save/load, image prune.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, busyboxRootfs, repoRoot, tarOfDir } from '../../fixtures/image-builder.js';
import { writeFileSync } from 'node:fs';

const isRoot = process.getuid?.() === 0;

function gantry(root: string, args: string[], input?: Buffer) {
  const r = spawnSync(join(repoRoot(), 'bin/gantry'), args, {
    input,
    env: { ...process.env, GANTRY_ROOT: join(root, 'root'), GANTRY_RUNROOT: join(root, 'run') },
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

async function withRoot(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('import, images, inspect, tag, history, rmi', { skip: !isRoot && 'needs root' }, () =>
  withRoot(async (dir) => {
    const tar = join(dir, 'rootfs.tar');
    writeFileSync(tar, tarOfDir(await busyboxRootfs()));
    const imp = gantry(dir, ['import', '--change', 'CMD ["sh"]', '-c', 'ENV A=b', '-m', 'hello', tar, 'busybox:latest']);
    assert.equal(imp.status, 0, imp.stderr);
    const id = imp.stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);

    const ls = gantry(dir, ['images']);
    assert.equal(ls.status, 0, ls.stderr);
    const lines = ls.stdout.trimEnd().split('\n');
    // CREATED is as wide as "Less than a second ago" or "2 seconds ago": the API's Created is whole seconds
    assert.match(lines[0]!, /^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED {3,}SIZE$/);
    assert.match(lines[1]!, new RegExp(`^busybox {6}latest {4}${id.slice(7, 19)} {3}.* ago {3,}\\d(\\.\\d+)?MB$`));

    assert.equal(gantry(dir, ['tag', 'busybox', 'example.com/team/bb:v1']).status, 0);
    assert.equal(gantry(dir, ['images', '-q']).stdout, `${id.slice(7, 19)}\n`);
    assert.equal(gantry(dir, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').sort().join(' ').trim(), 'busybox:latest example.com/team/bb:v1');
    assert.equal(gantry(dir, ['images', '--filter', 'reference=busybox', '--format', '{{.Tag}}']).stdout, 'latest\n');
    assert.equal(gantry(dir, ['images', '--filter', 'dangling=true', '-q']).stdout, '');

    const inspect = gantry(dir, ['image', 'inspect', 'busybox']);
    assert.equal(inspect.status, 0, inspect.stderr);
    const [info] = JSON.parse(inspect.stdout) as Record<string, unknown>[];
    for (const key of ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Config', 'Architecture', 'Os', 'Size', 'GraphDriver', 'RootFS', 'Metadata']) {
      assert.ok(key in info!, `inspect has ${key}`);
    }
    assert.equal(info!.Id, id);
    assert.deepEqual((info!.RepoTags as string[]).sort(), ['busybox:latest', 'example.com/team/bb:v1']);
    assert.equal(info!.Comment, 'hello');
    assert.deepEqual((info!.Config as { Cmd: string[] }).Cmd, ['sh']);
    assert.deepEqual((info!.Config as { Env: string[] }).Env, ['A=b']);
    assert.equal((info!.RootFS as { Type: string }).Type, 'layers');
    assert.equal(gantry(dir, ['image', 'inspect', '-f', '{{.Os}}/{{json .Config.Cmd}}', id.slice(7, 15)]).stdout, 'linux/["sh"]\n');

    const missing = gantry(dir, ['image', 'inspect', 'nope']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'Error: No such image: nope\n');

    assert.match(gantry(dir, ['history', 'busybox']).stdout, /^IMAGE {10}CREATED .*\n[0-9a-f]{12} .*hello\n$/);

    const conflict = gantry(dir, ['rmi', id.slice(7, 19)]);
    assert.equal(conflict.status, 1);
    assert.match(conflict.stderr, /unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
    assert.equal(gantry(dir, ['rmi', 'example.com/team/bb:v1']).stdout, 'Untagged: example.com/team/bb:v1\n');
    assert.equal(gantry(dir, ['rmi', 'busybox']).stdout, `Untagged: busybox:latest\nDeleted: ${id}\n`);
    const gone = gantry(dir, ['rmi', 'busybox']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /No such image: busybox/);
    assert.equal(gantry(dir, ['images', '-q']).stdout, '');
  }),
);

test('import from stdin; save and load round trip; image prune', { skip: !isRoot && 'needs root' }, () =>
  withRoot(async (dir) => {
    const rootfs = tarOfDir(await busyboxRootfs());
    const id = gantry(dir, ['import', '-', 'bb:1'], rootfs).stdout.trim();
    assert.match(id, /^sha256:/);
    const saved = join(dir, 'saved.tar');
    assert.equal(gantry(dir, ['save', '-o', saved, 'bb:1']).status, 0);
    assert.equal(gantry(dir, ['rmi', 'bb:1']).status, 0);
    const load = gantry(dir, ['load', '-i', saved]);
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, 'Loaded image: bb:1\n');
    assert.equal(gantry(dir, ['images', '-q', '--no-trunc']).stdout, `${id}\n`);

    // Re-import under the same name: the old image becomes dangling, prune removes it.
    writeFileSync(join(dir, 'again.tar'), rootfs);
    const id2 = gantry(dir, ['import', '-m', 'second', join(dir, 'again.tar'), 'bb:1']).stdout.trim();
    assert.notEqual(id2, id);
    assert.equal(gantry(dir, ['images', '--filter', 'dangling=true', '-q', '--no-trunc']).stdout, `${id}\n`);
    const prune = gantry(dir, ['image', 'prune', '-f']);
    assert.equal(prune.status, 0, prune.stderr);
    assert.match(prune.stdout, new RegExp(`^Deleted Images:\ndeleted: ${id}\n\nTotal reclaimed space: \\S+\n$`));
    assert.equal(gantry(dir, ['images', '-q', '--no-trunc']).stdout, `${id2}\n`);
  }),
);

test('two processes loading the same image into one root share its snapshots', { skip: !isRoot && 'needs root' }, () =>
  withRoot(async (dir) => {
    const archive = join(dir, 'img.tar');
    const built = await buildImage({ format: 'docker-archive', out: archive, name: 'same:1', layers: [{ busybox: true }, { entries: [{ path: 'x', content: 'x' }] }] });
    const env = { ...process.env, GANTRY_ROOT: join(dir, 'root'), GANTRY_RUNROOT: join(dir, 'run') };
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(join(repoRoot(), 'bin/gantry'), ['load', '-i', archive], { env });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.stderr.on('data', (d: Buffer) => (out += d));
        c.on('close', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) assert.deepEqual(r, { code: 0, out: 'Loaded image: same:1\n' });
    const keys = await readdir(join(dir, 'root/snapshots/keys'));
    assert.deepEqual(keys.sort(), built.chainIds.map((c) => c.replace(':', '-')).sort());
    const ids = (await readdir(join(dir, 'root/snapshots'))).filter((n) => /^\d+$/.test(n));
    assert.equal(ids.length, 2);
    for (const k of keys) assert.ok(ids.includes((await readlink(join(dir, 'root/snapshots/keys', k))).slice(3)));
    assert.equal(gantry(dir, ['images', '-q']).stdout, `${built.configDigest.slice(7, 19)}\n`);
  }),
);
