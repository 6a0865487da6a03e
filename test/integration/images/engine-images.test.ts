// The Engine interface's images, in-process (engine/local/images.ts): dockerd's
// shapes, filters, delete records and conflicts, prune filters, save/load, the
// pull/push JSONMessages with X-Registry-Auth credentials, and the image events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Engine, JSONMessage } from '../../../src/engine/api.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { openEngineCore } from '../../../src/engine/index.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import { errorCode } from '../../../src/errdefs/index.js';
import { busyboxRootfs, tarOfDir } from '../../fixtures/image-builder.js';
import { startRegistry, TEST_PASSWORD, TEST_USER, type TestRegistry } from '../../fixtures/registry.js';

const isRoot = process.getuid?.() === 0;

let rootfsTar: Buffer;
const rootfs = async () => (rootfsTar ??= tarOfDir(await busyboxRootfs()));

async function withEngine(fn: (engine: Engine, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-engine-images-'));
  const engine = await openLocalEngine({ root: join(dir, 'root'), runroot: join(dir, 'run') });
  try {
    await fn(engine, dir);
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function imageEvents(dir: string): Promise<EngineEvent[]> {
  const text = await readFile(join(dir, 'root/events.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEvent)
    .filter((e) => e.Type === 'image');
}

const rejectsWith = (p: Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.equal(errorCode(err), code);
    assert.match((err as Error).message, message);
    return true;
  });

test('list filters, inspect, history, tag and remove as dockerd, with container conflicts and events', { skip: !isRoot && 'needs root' }, () =>
  withEngine(async (engine, dir) => {
    const id = await engine.images.import(Readable.from(await rootfs()), { repo: 'bb', tag: '1', changes: ['LABEL team=a'], message: 'first' });
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const other = await engine.images.import(Readable.from(await rootfs()), { repo: 'docker.io/library/other', tag: 'x' });

    const all = await engine.images.list();
    assert.deepEqual(
      all.map((s) => s.Id),
      [other, id],
      'newest first',
    );
    const bb = all[1]!;
    assert.deepEqual({ ...bb, Created: 0, Size: 0 }, { Id: id, ParentId: '', RepoTags: ['bb:1'], RepoDigests: [], Created: 0, Size: 0, SharedSize: -1, Labels: { team: 'a' }, Containers: -1 });
    assert.ok(bb.Created > 1e9 && bb.Size > 0);

    const ids = async (filters: Record<string, string[]>) => (await engine.images.list({ filters })).map((s) => s.Id);
    assert.deepEqual(await ids({ label: ['team=a'] }), [id]);
    assert.deepEqual(await ids({ label: ['team'] }), [id]);
    assert.deepEqual(await ids({ label: ['team=b'] }), []);
    assert.deepEqual(await ids({ reference: ['bb'] }), [id]);
    assert.deepEqual(await ids({ reference: ['o*:x'] }), [other]);
    assert.deepEqual(await ids({ dangling: ['true'] }), []);
    assert.deepEqual(await ids({ dangling: ['false'] }), [other, id]);
    assert.deepEqual(await ids({ since: ['bb:1'] }), [other]);
    assert.deepEqual(await ids({ before: ['other:x'] }), [id]);
    await rejectsWith(engine.images.list({ filters: { bogus: ['1'] } }), 'invalid-argument', /^invalid filter 'bogus'$/);
    await rejectsWith(engine.images.list({ filters: { dangling: ['maybe'] } }), 'invalid-argument', /^Invalid filter 'dangling=maybe'$/);

    const info = await engine.images.inspect('bb:1');
    assert.equal(info.Id, id);
    assert.deepEqual(info.RepoTags, ['bb:1']);
    assert.equal(info.Comment, 'first');
    assert.equal(info.RootFS.Type, 'layers');
    assert.equal(info.RootFS.Layers.length, 1);
    assert.deepEqual(info.Config.Labels, { team: 'a' });
    assert.ok(info.GraphDriver.Name);
    await rejectsWith(engine.images.inspect('nope'), 'not-found', /^No such image: nope$/);

    const history = await engine.images.history('bb:1');
    assert.equal(history.length, 1);
    assert.deepEqual({ ...history[0]!, Created: 0 }, { Id: id, Created: 0, CreatedBy: '', Tags: ['bb:1'], Size: bb.Size, Comment: 'first' });

    await engine.images.tag('bb:1', 'example.com/t/bb', 'v2');
    assert.deepEqual((await engine.images.inspect(id)).RepoTags.sort(), ['bb:1', 'example.com/t/bb:v2']);
    await rejectsWith(engine.images.remove(id), 'conflict', /^conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories$/);
    assert.deepEqual(await engine.images.remove('example.com/t/bb:v2'), [{ Untagged: 'example.com/t/bb:v2' }]);

    // A container created from the image holds it: dockerd's texts by name and by ID.
    const core = await openEngineCore({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const { Id: cid } = await core.containers.create({ config: { Image: 'bb:1', Cmd: ['true'] } });
    try {
      const short = cid.slice(0, 12);
      await rejectsWith(
        engine.images.remove('bb:1'),
        'conflict',
        new RegExp(`^conflict: unable to remove repository reference "bb:1" \\(must force\\) - container ${short} is using its referenced image ${id.slice(7, 19)}$`),
      );
      await rejectsWith(engine.images.remove(id), 'conflict', new RegExp(`^conflict: unable to delete ${id.slice(7, 19)} \\(must be forced\\) - image is being used by stopped container ${short}$`));
      // prune of every unused image keeps the one the container uses
      const pruned = await engine.images.prune({ dangling: ['false'] });
      assert.deepEqual(pruned.ImagesDeleted, [{ Untagged: 'other:x' }, { Deleted: other }]);
      assert.equal(typeof pruned.SpaceReclaimed, 'number');
    } finally {
      await core.containers.remove(cid, { force: true });
    }
    assert.deepEqual(await engine.images.remove('bb:1'), [{ Untagged: 'bb:1' }, { Deleted: id }]);
    await rejectsWith(engine.images.remove('bb:1'), 'not-found', /^No such image: bb:1$/);

    const events = (await imageEvents(dir)).map((e) => `${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.name}`);
    assert.deepEqual(events.slice(0, 3), [`import ${id} ${id}`, `import ${other} ${other}`, `tag ${id} example.com/t/bb:v2`]);
    assert.ok(events.includes(`untag ${id} ${id}`) && events.at(-1) === `delete ${id} ${id}`, events.join('\n'));
    assert.equal((await imageEvents(dir))[0]!.Actor.Attributes.team, 'a', 'the image labels ride along');
  }),
);

test('prune filters, save and load, import from a URL, with their events', { skip: !isRoot && 'needs root' }, () =>
  withEngine(async (engine, dir) => {
    const old = await engine.images.import(Readable.from(await rootfs()), { repo: 'p', tag: '1', changes: ['LABEL keep=no'] });
    const cur = await engine.images.import(Readable.from(await rootfs()), { repo: 'p', tag: '1', changes: ['LABEL keep=yes'] });
    assert.deepEqual((await engine.images.list({ filters: { dangling: ['true'] } })).map((s) => s.Id), [old]);

    assert.deepEqual(await engine.images.prune({ label: ['keep=yes'] }), { ImagesDeleted: null, SpaceReclaimed: 0 });
    await rejectsWith(engine.images.prune({ reference: ['p'] }), 'invalid-argument', /^invalid filter 'reference'$/);
    const dangling = await engine.images.prune();
    assert.deepEqual(dangling.ImagesDeleted, [{ Deleted: old }]);
    assert.deepEqual((await engine.images.prune({ dangling: ['false'], 'label!': ['keep=yes'] })).ImagesDeleted, null);
    assert.deepEqual((await engine.images.prune({ dangling: ['false'], until: ['1h30m'] })).ImagesDeleted, null, 'created within the last 90 minutes');

    const tar = await engine.images.save(['p:1']);
    const chunks: Buffer[] = [];
    for await (const c of tar) chunks.push(c as Buffer);
    await rejectsWith(engine.images.save(['nope']), 'not-found', /^No such image: nope$/);

    assert.deepEqual((await engine.images.prune({ dangling: ['false'] })).ImagesDeleted, [{ Untagged: 'p:1' }, { Deleted: cur }]);
    assert.deepEqual(await engine.images.load(Readable.from(Buffer.concat(chunks))), ['Loaded image: p:1']);
    assert.deepEqual((await engine.images.list()).map((s) => s.Id), [cur]);

    // import from a URL: the engine fetches it, the history names it
    const http = createServer((_req, res) => void rootfs().then((b) => res.end(b)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/rootfs.tar`;
      const fromUrl = await engine.images.import(url, { repo: 'u', tag: '1' });
      assert.equal((await engine.images.history('u:1'))[0]?.Id, fromUrl);
      assert.equal((await engine.images.history('u:1'))[0]?.Comment, `Imported from ${url}`);
    } finally {
      http.close();
    }

    const events = (await imageEvents(dir)).map((e) => `${e.Action} ${e.Actor.ID}`);
    for (const e of [`delete ${old}`, `save ${cur}`, `untag ${cur}`, `delete ${cur}`, `load ${cur}`]) assert.ok(events.includes(e), `${e} in\n${events.join('\n')}`);
    const prune = (await imageEvents(dir)).find((e) => e.Action === 'prune');
    assert.match(prune?.Actor.Attributes.reclaimed ?? '', /^\d+$/);
  }),
);

describe('pull and push through a registry with credentials', { skip: !isRoot && 'needs root' }, () => {
  let reg: TestRegistry;
  let work: string;
  const savedConfig = process.env.DOCKER_CONFIG;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'gantry-engine-pull-'));
    process.env.DOCKER_CONFIG = join(work, 'no-credentials'); // nothing stored: only the AuthConfig given
    reg = await startRegistry({ auth: 'basic' });
  });
  after(async () => {
    process.env.DOCKER_CONFIG = savedConfig;
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test("docker's JSONMessages for push and pull, and pull/push events", () =>
    withEngine(async (engine, dir) => {
      const name = `${reg.host}/team/app`;
      const id = await engine.images.import(Readable.from(await rootfs()), { repo: name, tag: 'v1' });
      const auth = { username: TEST_USER, password: TEST_PASSWORD, serveraddress: reg.host };
      await assert.rejects(engine.images.push(name, { tag: 'v1', auth: {} }), 'no credentials: the registry refuses');

      const pushed: JSONMessage[] = [];
      await engine.images.push(name, { tag: 'v1', auth, onProgress: (m) => pushed.push(m) });
      const layer = (await engine.images.inspect(id)).RootFS.Layers.length;
      assert.equal(layer, 1);
      assert.deepEqual(pushed[0], { status: `The push refers to repository [${name}]` });
      const layerId = pushed[1]!.id!;
      assert.match(layerId, /^[0-9a-f]{12}$/);
      assert.deepEqual(pushed[1], { status: 'Preparing', id: layerId });
      assert.ok(pushed.some((m) => m.status === 'Pushed' && m.id === layerId));
      const digestLine = pushed.at(-2)!.status!;
      const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/.exec(digestLine);
      assert.ok(m, digestLine);
      assert.deepEqual(pushed.at(-1), { aux: { Tag: 'v1', Digest: m[1], Size: Number(m[2]) } });

      await withEngine(async (puller, pullDir) => {
        const authB64 = { auth: Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64') };
        await rejectsWith(puller.images.pull({ fromImage: name, tag: 'nope', auth: authB64 }), 'not-found', /manifest unknown/);
        const pulled: JSONMessage[] = [];
        await puller.images.pull({ fromImage: name, tag: 'v1', auth: authB64, onProgress: (msg) => pulled.push(msg) });
        assert.deepEqual(pulled[0], { status: 'Pulling from team/app', id: 'v1' });
        const statuses = pulled.filter((p) => p.id === layerId).map((p) => p.status);
        for (const s of ['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']) assert.ok(statuses.includes(s), `${s} in ${statuses.join(', ')}`);
        const downloading = pulled.find((p) => p.status === 'Downloading')!;
        assert.ok(downloading.progressDetail?.total, 'progressDetail {current, total}');
        assert.match(downloading.progress ?? '', /^\[[=> ]{50}\] +\S+\/\S+$/);
        assert.deepEqual(pulled.slice(-2), [{ status: `Digest: ${m[1]}` }, { status: `Status: Downloaded newer image for ${name}:v1` }]);
        assert.equal((await puller.images.inspect(`${name}:v1`)).Id, id);

        const again: JSONMessage[] = [];
        await puller.images.pull({ fromImage: `${name}:v1`, auth: authB64, onProgress: (msg) => again.push(msg) });
        assert.ok(again.some((p) => p.id === layerId && p.status === 'Already exists'));
        assert.deepEqual(again.at(-1), { status: `Status: Image is up to date for ${name}:v1` });
        const pullEvents = (await imageEvents(pullDir)).filter((e) => e.Action === 'pull');
        assert.deepEqual(pullEvents[0]?.Actor, { ID: `${name}:v1`, Attributes: { name } });
      });
      // Layers at hand but the tag new here: dockerd says "Downloaded newer image".
      await engine.images.tag(id, 'keep', 'me');
      assert.deepEqual(await engine.images.remove(`${name}:v1`), [{ Untagged: `${name}:v1` }]);
      const retag: JSONMessage[] = [];
      await engine.images.pull({ fromImage: name, tag: 'v1', auth, onProgress: (msg) => retag.push(msg) });
      assert.ok(retag.some((p) => p.id === layerId && p.status === 'Already exists'));
      assert.deepEqual(retag.at(-1), { status: `Status: Downloaded newer image for ${name}:v1` });
      const pushEvent = (await imageEvents(dir)).find((e) => e.Action === 'push');
      assert.deepEqual(pushEvent?.Actor, { ID: `${name}:v1`, Attributes: { name } });
    }));
});

test('an image under a running container cannot be deleted, even forced', { skip: !isRoot && 'needs root' }, () =>
  withEngine(async (engine, dir) => {
    const id = await engine.images.import(Readable.from(await rootfs()), { repo: 'run', tag: '1' });
    const core = await openEngineCore({ root: join(dir, 'root'), runroot: join(dir, 'run') });
    const { Id: cid } = await core.containers.create({ config: { Image: 'run:1', Cmd: ['sleep', '60'] }, hostConfig: { NetworkMode: 'none' } });
    try {
      await core.containers.start(cid);
      const text = new RegExp(`^conflict: unable to delete ${id.slice(7, 19)} \\(cannot be forced\\) - image is being used by running container ${cid.slice(0, 12)}$`);
      await rejectsWith(engine.images.remove(id, { force: true }), 'conflict', text);
      assert.equal((await engine.images.prune({ dangling: ['false'] })).ImagesDeleted, null);
    } finally {
      await core.containers.remove(cid, { force: true });
    }
    assert.deepEqual(await engine.images.remove(id), [{ Untagged: 'run:1' }, { Deleted: id }]);
  }),
);
