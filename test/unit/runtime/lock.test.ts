import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockContainer } from '../../../src/runtime/container/lock.js';

describe('lockContainer', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-lock-'));
    file = join(dir, 'lock');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a second operation wait for the first to release', async () => {
    const order: string[] = [];
    const release = await lockContainer(file, 'c');
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^${process.pid} \\d+ \\d+$`));
    const second = lockContainer(file, 'c').then((r) => {
      order.push('second');
      r();
    });
    await new Promise((r) => setTimeout(r, 30));
    order.push('first done');
    release();
    await second;
    assert.deepEqual(order, ['first done', 'second']);
    assert.ok(!existsSync(file));
  });

  it('breaks the lock of a holder that is gone', async () => {
    writeFileSync(file, '999999999 1 1');
    const release = await lockContainer(file, 'c');
    release();
    assert.ok(!existsSync(file));
  });

  it('release leaves a lock taken by someone else after the directory was recreated', async () => {
    const release = await lockContainer(file, 'c');
    writeFileSync(file, 'another holder');
    release();
    assert.equal(readFileSync(file, 'utf8'), 'another holder');
    rmSync(file);
  });

  it('reports a missing state directory as a missing container', async () => {
    await assert.rejects(lockContainer(join(dir, 'gone', 'lock'), 'gone'), /container gone does not exist/);
  });
});
