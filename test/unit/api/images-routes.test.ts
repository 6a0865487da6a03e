import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { ImageInspect, ImagePullOptions, ImageSummary, JSONMessage } from '../../../src/engine/api.js';
import { notFound } from '../../../src/errdefs/index.js';
import { imageRoutes } from '../../../src/api/docker/routes/images.js';
import { startServer } from './routes-harness.js';

const ID = `sha256:${'a'.repeat(64)}`;
const summary: ImageSummary = { Id: ID, ParentId: '', RepoTags: ['busybox:latest'], RepoDigests: [], Created: 1, Size: 100, SharedSize: -1, Labels: null, Containers: -1 };
const inspect = { Id: ID, RepoTags: ['localhost:5000/a/b:v1'], Size: 100, VirtualSize: 100 } as unknown as ImageInspect;
const authHeader = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function readAll(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('pull streams the engine progress as newline JSON with tag, platform and decoded X-Registry-Auth', async () => {
  const s = await startServer(imageRoutes, {
    images: {
      pull: async (o: ImagePullOptions) => {
        o.onProgress?.({ status: 'Pulling from library/busybox', id: 'latest' });
        o.onProgress?.({ status: 'Status: Downloaded newer image for busybox:latest' });
      },
    },
  });
  try {
    const auth = { username: 'u', password: 'p', serveraddress: 'localhost:5000' };
    const r = await s.call('POST', '/v1.47/images/create?fromImage=busybox&tag=1.36&platform=linux%2Famd64', { headers: { 'X-Registry-Auth': authHeader(auth) } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.lines(), [{ status: 'Pulling from library/busybox', id: 'latest' }, { status: 'Status: Downloaded newer image for busybox:latest' }]);
    const opts = s.calls[0]!.args[0] as ImagePullOptions;
    assert.equal(opts.fromImage, 'busybox');
    assert.equal(opts.tag, '1.36');
    assert.equal(opts.platform, 'linux/amd64');
    assert.deepEqual(opts.auth, auth);
    assert.ok(opts.signal instanceof AbortSignal);
  } finally {
    await s.close();
  }
});

test('pull: anonymous ("e30="), garbage or absent X-Registry-Auth is no auth', async () => {
  const s = await startServer(imageRoutes, { images: { pull: async () => undefined } });
  try {
    const cases: Record<string, string>[] = [{ 'X-Registry-Auth': 'e30=' }, { 'X-Registry-Auth': '%%%not base64' }, {}];
    for (const headers of cases) {
      const r = await s.call('POST', '/images/create?fromImage=busybox', { headers });
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
    }
    for (const c of s.calls) assert.equal((c.args[0] as ImagePullOptions).auth, undefined);
  } finally {
    await s.close();
  }
});

test('pull: an error before any progress is its status; one after is the last line of the 200 stream', async () => {
  let progressFirst = false;
  const s = await startServer(imageRoutes, {
    images: {
      pull: async (o: ImagePullOptions) => {
        if (progressFirst) o.onProgress?.({ status: 'Pulling fs layer', id: 'abc' });
        // The engine reports its error on the stream too: it must neither start the stream nor appear twice.
        o.onProgress?.({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' });
        throw notFound('manifest unknown');
      },
    },
  });
  try {
    const before = await s.call('POST', '/images/create?fromImage=nope&tag=latest');
    assert.equal(before.status, 404);
    assert.deepEqual(before.json(), { message: 'manifest unknown' });
    progressFirst = true;
    const after = await s.call('POST', '/images/create?fromImage=nope&tag=latest');
    assert.equal(after.status, 200);
    assert.deepEqual(after.lines(), [
      { status: 'Pulling fs layer', id: 'abc' },
      { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' },
    ]);
  } finally {
    await s.close();
  }
});

test('pull: a client that goes away mid-stream aborts the engine pull', async () => {
  let signal: AbortSignal | undefined;
  const s = await startServer(imageRoutes, {
    images: {
      pull: async (o: ImagePullOptions) => {
        signal = o.signal;
        o.onProgress?.({ status: 'Pulling fs layer', id: 'abc' });
        await new Promise((resolve) => o.signal?.addEventListener('abort', resolve));
      },
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: s.socketPath, method: 'POST', path: '/images/create?fromImage=busybox', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => reject(new Error('no progress')), 5000).unref();
    });
    await new Promise<void>((resolve) => {
      const poll = () => (signal?.aborted ? resolve() : setTimeout(poll, 10));
      poll();
    });
  } finally {
    await s.close();
  }
});

test('import from the request body (fromSrc=-) with repo, tag, changes and message; ends with the image ID', async () => {
  let body = '';
  const s = await startServer(imageRoutes, {
    images: {
      import: async (source, o) => {
        body = await readAll(source as Readable);
        assert.deepEqual([o.repo, o.tag, o.changes, o.message], ['myimg', 'v2', ['ENV A=1', 'CMD ["sh"]'], 'hi']);
        return ID;
      },
    },
  });
  try {
    const q = 'fromSrc=-&repo=myimg&tag=v2&changes=ENV%20A%3D1&changes=CMD%20%5B%22sh%22%5D&message=hi';
    const r = await s.call('POST', `/images/create?${q}`, { body: 'tar bytes' });
    assert.equal(r.status, 200);
    assert.equal(body, 'tar bytes');
    assert.deepEqual(r.lines(), [{ status: ID }]);
  } finally {
    await s.close();
  }
});

test('import from a URL passes the URL', async () => {
  const s = await startServer(imageRoutes, { images: { import: async () => ID } });
  try {
    const r = await s.call('POST', '/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A1%2Froot.tar');
    assert.equal(r.status, 200);
    assert.equal(s.calls[0]!.args[0], 'http://127.0.0.1:1/root.tar');
  } finally {
    await s.close();
  }
});

test('push of a name with a registry port and slashes: progress, then the aux line', async () => {
  const aux: JSONMessage = { progressDetail: {}, aux: { Tag: 'v1', Digest: `sha256:${'b'.repeat(64)}`, Size: 527 } };
  const s = await startServer(imageRoutes, {
    images: {
      push: async (_name, o) => {
        o.onProgress?.({ status: 'The push refers to repository [localhost:5000/a/b]' });
        o.onProgress?.(aux);
      },
    },
  });
  try {
    const r = await s.call('POST', '/v1.47/images/localhost:5000/a/b/push?tag=v1', { headers: { 'X-Registry-Auth': authHeader({ username: 'u', password: 'p' }) } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.lines(), [{ status: 'The push refers to repository [localhost:5000/a/b]' }, aux]);
    assert.equal(s.calls[0]!.args[0], 'localhost:5000/a/b');
    assert.deepEqual(s.calls[0]!.args[1], { ...(s.calls[0]!.args[1] as object), tag: 'v1', auth: { username: 'u', password: 'p' } });
  } finally {
    await s.close();
  }
});

test('list passes all, digests and filters; VirtualSize only below API 1.44', async () => {
  const s = await startServer(imageRoutes, { images: { list: async () => [{ ...summary, VirtualSize: 100 }] } });
  try {
    const filters = encodeURIComponent(JSON.stringify({ dangling: ['true'] }));
    const now = await s.call('GET', `/v1.47/images/json?all=1&digests=true&filters=${filters}`);
    assert.equal(now.status, 200);
    assert.deepEqual(s.calls[0]!.args[0], { all: true, digests: true, filters: { dangling: ['true'] } });
    assert.equal((now.json() as ImageSummary[])[0]!.VirtualSize, undefined);
    const old = await s.call('GET', '/v1.43/images/json');
    assert.equal((old.json() as ImageSummary[])[0]!.VirtualSize, 100);
  } finally {
    await s.close();
  }
});

test('inspect, history, tag, remove, prune match names with slashes, ports and tags', async () => {
  const s = await startServer(imageRoutes, {
    images: {
      inspect: async () => inspect,
      history: async () => [{ Id: ID, Created: 1, CreatedBy: 'x', Tags: null, Size: 0, Comment: '' }],
      tag: async () => undefined,
      remove: async () => [{ Untagged: 'localhost:5000/a/b:v1' }, { Deleted: ID }],
      prune: async () => ({ ImagesDeleted: null, SpaceReclaimed: 0 }),
    },
  });
  try {
    const name = 'localhost:5000/a/b:v1';
    const i = await s.call('GET', `/v1.47/images/${name}/json`);
    assert.equal(i.status, 200);
    assert.equal((i.json() as ImageInspect).VirtualSize, undefined);
    assert.equal((i.json() as Record<string, unknown>).ContainerConfig, undefined);
    const old = (await s.call('GET', `/v1.43/images/${name}/json`)).json() as ImageInspect & Record<string, unknown>;
    assert.equal(old.VirtualSize, 100);
    assert.equal(old.Container, '');
    assert.equal((old.ContainerConfig as { Volumes: unknown }).Volumes, null);
    assert.equal((await s.call('GET', `/images/${name}/history`)).status, 200);
    const t = await s.call('POST', `/images/${name}/tag?repo=other%2Frepo&tag=t2`);
    assert.equal(t.status, 201);
    const d = await s.call('DELETE', `/images/${name}?force=1&noprune=1`);
    assert.deepEqual(d.json(), [{ Untagged: 'localhost:5000/a/b:v1' }, { Deleted: ID }]);
    const p = await s.call('POST', `/images/prune?filters=${encodeURIComponent('{"dangling":{"false":true}}')}`);
    assert.deepEqual(p.json(), { ImagesDeleted: null, SpaceReclaimed: 0 });
    const byMethod = Object.fromEntries(s.calls.map((c) => [c.method, c.args]));
    assert.deepEqual(byMethod['images.inspect'], [name]);
    assert.equal(s.calls.filter((c) => c.method === 'images.inspect').length, 2);
    assert.deepEqual(byMethod['images.history'], [name]);
    assert.deepEqual(byMethod['images.tag'], [name, 'other/repo', 't2']);
    assert.deepEqual(byMethod['images.remove'], [name, { force: true, noprune: true }]);
    assert.deepEqual(byMethod['images.prune'], [{ dangling: ['false'] }]);
  } finally {
    await s.close();
  }
});

test('an image called like a route word ("json", "get") is reached through its suffix route', async () => {
  const s = await startServer(imageRoutes, { images: { inspect: async () => inspect } });
  try {
    assert.equal((await s.call('GET', '/images/library/get/json')).status, 200);
    assert.deepEqual(s.calls[0]!.args, ['library/get']);
  } finally {
    await s.close();
  }
});

test('inspect of a missing image is 404 with the engine text', async () => {
  const s = await startServer(imageRoutes, {
    images: {
      inspect: async (n) => {
        throw notFound(`No such image: ${n}`);
      },
    },
  });
  try {
    const r = await s.call('GET', '/images/nope:latest/json');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { message: 'No such image: nope:latest' });
  } finally {
    await s.close();
  }
});

test('load reads the tar body and answers application/json "Loaded image" stream lines, each once', async () => {
  let body = '';
  const s = await startServer(imageRoutes, {
    images: {
      load: async (tar, o) => {
        body = await readAll(tar);
        assert.equal(o?.quiet, true);
        o?.onProgress?.({ stream: 'Loaded image: a:latest\n' });
        return ['Loaded image: a:latest', 'Loaded image ID: ' + ID];
      },
    },
  });
  try {
    const r = await s.call('POST', '/images/load?quiet=1', { body: 'archive', headers: { 'Content-Type': 'application/x-tar' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(body, 'archive');
    assert.deepEqual(r.lines(), [{ stream: 'Loaded image: a:latest\n' }, { stream: `Loaded image ID: ${ID}\n` }]);
  } finally {
    await s.close();
  }
});

test('save: GET /images/get?names=... and /images/{name}/get answer the engine tar as application/x-tar', async () => {
  const s = await startServer(imageRoutes, { images: { save: async (names) => Readable.from([Buffer.from(`tar of ${names.join(',')}`)]) } });
  try {
    const many = await s.call('GET', '/images/get?names=a%3Alatest&names=localhost%3A5000%2Fb');
    assert.equal(many.status, 200);
    assert.equal(many.headers['content-type'], 'application/x-tar');
    assert.equal(many.text, 'tar of a:latest,localhost:5000/b');
    const one = await s.call('GET', '/v1.47/images/localhost:5000/b:v1/get');
    assert.equal(one.text, 'tar of localhost:5000/b:v1');
  } finally {
    await s.close();
  }
});

test('save of a missing image is a 404 before any tar', async () => {
  const s = await startServer(imageRoutes, {
    images: {
      save: async (names) => {
        throw notFound(`No such image: ${names[0]}`);
      },
    },
  });
  try {
    const r = await s.call('GET', '/images/nope/get');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { message: 'No such image: nope' });
  } finally {
    await s.close();
  }
});

test('search is refused with a clean JSON error', async () => {
  const s = await startServer(imageRoutes, {});
  try {
    const r = await s.call('GET', '/images/search?term=busybox');
    assert.equal(r.status, 501);
    assert.match((r.json() as { message: string }).message, /search is not supported/);
    assert.equal(s.calls.length, 0);
  } finally {
    await s.close();
  }
});
