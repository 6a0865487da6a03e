import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContentStore } from '../../../src/images/content/index.js';
import { sha256Digest } from '../../../src/oci/digest.js';

async function withStore(fn: (root: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'gantry-content-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const streamText = async (s: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

test('putBlob verifies and stores by digest', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const data = Buffer.from('hello world');
    const d = sha256Digest(data);
    assert.deepEqual(await cs.putBlob(data), { digest: d, size: data.length });
    assert.equal(await readFile(join(root, 'blobs', 'sha256', d.slice(7)), 'utf8'), 'hello world');
    assert.deepEqual(await cs.info(d), { digest: d, size: 11 });
    assert.equal((await cs.readBlob(d)).toString(), 'hello world');
    assert.equal(await streamText(cs.openBlob(d, { start: 6 })), 'world');
    await assert.rejects(cs.putBlob(Buffer.from('other'), d), /unexpected commit digest/);
    const listed = [];
    for await (const b of cs.list()) listed.push(b);
    assert.deepEqual(listed, [{ digest: d, size: 11 }]);
    await cs.delete(d);
    assert.equal(await cs.has(d), false);
  }));

test('a digest mismatch stores nothing and removes the ingest', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const want = sha256Digest('right');
    const w = await cs.ingest(want, { digest: want });
    await w.write(Buffer.from('wrong'));
    await assert.rejects(w.commit({ digest: want }), /unexpected commit digest/);
    assert.equal(await cs.has(want), false);
    assert.deepEqual(await cs.listIngests(), []);
    const wrongSize = await cs.ingest(want);
    await wrongSize.write(Buffer.from('right'));
    await assert.rejects(wrongSize.commit({ digest: want, size: 4 }), /unexpected commit size/);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
  }));

test('an interrupted ingest resumes at its offset', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const data = Buffer.from('0123456789abcdef');
    const d = sha256Digest(data);
    const first = await cs.ingest(d, { digest: d, size: data.length });
    assert.equal(first.offset, 0);
    await first.write(data.subarray(0, 10));
    await first.close();
    const listed = await cs.listIngests();
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.ref, d);
    assert.equal(listed[0]!.offset, 10);
    // A fresh store object (another process) resumes from the same bytes.
    const again = await openContentStore(root).ingest(d, { digest: d, size: data.length });
    assert.equal(again.offset, 10);
    await again.write(data.subarray(10));
    assert.equal(again.offset, 16);
    await again.commit({ digest: d, size: data.length });
    assert.equal((await cs.readBlob(d)).toString(), data.toString());
    assert.deepEqual(await cs.listIngests(), []);
  }));

test('concurrent writers of one ref take turns; abandoned ingests can be aborted', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const data = Buffer.from('shared');
    const d = sha256Digest(data);
    const order: string[] = [];
    const writer = async (name: string) => {
      const w = await cs.ingest(d, { digest: d });
      order.push(`${name}:open`);
      if (await cs.has(d)) {
        await w.abort();
        order.push(`${name}:found`);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
      await w.write(data);
      await w.commit({ digest: d });
      order.push(`${name}:commit`);
    };
    await Promise.all([writer('a'), writer('b')]);
    assert.deepEqual(order, ['a:open', 'a:commit', 'b:open', 'b:found']);

    const stale = await cs.ingest('abandoned');
    await stale.write(Buffer.from('x'));
    await assert.rejects(cs.abortIngest('abandoned'), /in use/);
    await stale.close();
    await cs.abortIngest('abandoned');
    assert.deepEqual(await cs.listIngests(), []);
  }));

test('a stale lock file from a dead process is taken over', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const d = sha256Digest('x');
    const dir = join(root, 'ingest', d.replace(':', '%3a'));
    await (await import('node:fs/promises')).mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'lock'), '999999999');
    const w = await cs.ingest(d);
    await w.write(Buffer.from('x'));
    await w.commit({ digest: d });
    assert.equal(await cs.has(d), true);
  }));

test('labels merge and are removed with the blob', () =>
  withStore(async (root) => {
    const cs = openContentStore(root);
    const { digest } = await cs.putBlob(Buffer.from('l'));
    await cs.setLabels(digest, { a: '1', b: '2' });
    await cs.setLabels(digest, { b: '', c: '3' });
    assert.deepEqual(await cs.labels(digest), { a: '1', c: '3' });
    await cs.delete(digest);
    assert.deepEqual(await cs.labels(digest), {});
  }));
