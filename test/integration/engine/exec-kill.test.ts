// The local Engine interface's exec while it runs, called in-process: an
// attached exec's inspect shows Running and its host pid (docker's exec
// inspect Pid), with pipes and with a tty; kill signals that process, and
// refuses an exec that is not running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine } from '../../../src/engine/api.js';

let g: Gantry;
let engine: Engine;
before(async () => {
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'ek', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  engine = await openLocalEngine({ root: g.root, runroot: g.runroot });
});
after(async () => {
  await engine?.close();
  await g?.cleanup();
  await removeRootfsCache();
});

/** Inspect until the exec's pid is known (the runtime writes it once the process runs). */
async function runningPid(id: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const info = await engine.exec.inspect(id);
    assert.equal(info.Running, true);
    if (info.Pid > 0) return info.Pid;
    await sleep(50);
  }
  assert.fail(`exec ${id} reported no pid within 5 s`);
}

for (const tty of [false, true]) {
  test(`a running attached exec shows Running and its host pid; kill ends it (${tty ? 'tty' : 'pipes'})`, async () => {
    const { Id } = await engine.exec.create('ek', { Cmd: ['sleep', '31'], AttachStdout: true, AttachStderr: true, Tty: tty });
    const session = (await engine.exec.start(Id, { Tty: tty }))!;
    try {
      const pid = await runningPid(Id);
      assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\u000031\u0000');
      const top = await engine.containers.top('ek');
      const pidCol = top.Titles.indexOf('PID');
      assert.ok(top.Processes.some((p) => p[pidCol] === String(pid)), `pid ${pid} among the container's processes`);

      await engine.exec.kill(Id, 'KILL');
      assert.equal(await session.ended, 137);
      const info = await engine.exec.inspect(Id);
      assert.equal(info.Running, false);
      assert.equal(info.ExitCode, 137);
      assert.equal(info.Pid, pid);
      await assert.rejects(engine.exec.kill(Id), /Exec [0-9a-f]+ is not running/);
    } finally {
      session.close();
    }
  });
}

test('kill: a signal other than KILL reaches the process; an exec never started is not running', async () => {
  const { Id } = await engine.exec.create('ek', { Cmd: ['sh', '-c', 'trap "echo got term; exit 5" TERM; while :; do sleep 0.1; done'], AttachStdout: true });
  const session = (await engine.exec.start(Id, {}))!;
  let out = '';
  session.onOutput((_s, d) => (out += d));
  await runningPid(Id);
  await engine.exec.kill(Id, 'SIGTERM');
  assert.equal(await session.ended, 5);
  assert.equal(out, 'got term\n');

  const created = await engine.exec.create('ek', { Cmd: ['true'] });
  await assert.rejects(engine.exec.kill(created.Id), /is not running/);
  await assert.rejects(engine.exec.kill('nope'), /No such exec instance: nope/);
});
