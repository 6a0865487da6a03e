// bin/gantry-runtime driven as containerd, podman and humans drive runc:
// verbs, output formats, exit codes and the error texts callers match on.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanupRoot, makeCliBundle, runtimeCli, waitFor, type Result } from './cli-harness.js';

const skip = process.getuid?.() !== 0 ? 'needs root' : false;

describe('gantry-runtime CLI', { skip }, () => {
  let root: string;
  const bundles: string[] = [];
  const cli = (...args: string[]) => runtimeCli(root, args);
  const ok = (r: Result) => {
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
    return r;
  };
  const bundle = (args: string[], tweak?: Parameters<typeof makeCliBundle>[1]) => {
    const b = makeCliBundle(args, tweak);
    bundles.push(b);
    return b;
  };
  const status = (id: string) => JSON.parse(ok(cli('state', id)).stdout).status as string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gantry-cli-root-'));
  });
  after(() => {
    cleanupRoot(root);
    for (const b of bundles) rmSync(b, { recursive: true, force: true });
  });

  test('spec refuses to overwrite config.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-spec-'));
    try {
      ok(cli('spec', '-b', dir));
      assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).process.args[0], 'sh');
      const again = cli('spec', '--bundle', dir);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /File config.json exists. Remove it first/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('run in the foreground prints the output and exits with the container code', () => {
    const b = bundle(['sh', '-c', 'echo hello from $(hostname); exit 3']);
    const r = cli('run', '--bundle', b, 'fg1');
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /^hello from /);
    assert.equal(cli('state', 'fg1').status, 1, 'run without --keep deletes the container');
  });

  test('create, start, state, list, ps, exec, pause, resume, update, events, kill, delete', async () => {
    const b = bundle(['sleep', '1000']);
    const pidFile = join(b, 'init.pid');
    ok(cli('create', '--bundle', b, '--pid-file', pidFile, 'c1'));
    const created = JSON.parse(ok(cli('state', 'c1')).stdout);
    assert.equal(created.status, 'created');
    assert.equal(created.id, 'c1');
    assert.equal(created.bundle, b);
    assert.equal(Number(readFileSync(pidFile, 'utf8')), created.pid);
    assert.ok(existsSync(`/proc/${created.pid}`));

    ok(cli('start', 'c1'));
    await waitFor('running', () => (status('c1') === 'running' ? true : undefined));

    const table = ok(cli('list')).stdout.split('\n');
    assert.match(table[0]!, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    assert.ok(table.some((l) => l.startsWith('c1 ') && l.includes('running')));
    const listed = JSON.parse(ok(cli('list', '--format', 'json')).stdout) as { id: string; pid: number }[];
    assert.deepEqual(listed.map((s) => s.id), ['c1']);
    assert.equal(ok(cli('list', '-q')).stdout, 'c1\n');

    const pids = JSON.parse(ok(cli('ps', '--format', 'json', 'c1')).stdout) as number[];
    assert.ok(pids.includes(created.pid));
    const psTable = ok(cli('ps', 'c1')).stdout;
    assert.match(psTable, /PID/);
    assert.match(psTable, /sleep 1000/);

    const exec = ok(cli('exec', '--env', 'GREETING=hi', 'c1', 'sh', '-c', 'echo $GREETING; id -u'));
    assert.equal(exec.stdout, 'hi\n0\n');
    assert.equal(cli('exec', 'c1', 'sh', '-c', 'exit 7').status, 7);
    const procFile = join(b, 'process.json');
    writeFileSync(procFile, JSON.stringify({ user: { uid: 1, gid: 1 }, args: ['id', '-u'], cwd: '/', env: ['PATH=/bin:/usr/bin:/sbin:/usr/sbin'] }));
    assert.equal(ok(cli('exec', '--process', procFile, 'c1')).stdout, '1\n');
    const detachedPid = join(b, 'exec.pid');
    ok(cli('exec', '--detach', '--pid-file', detachedPid, 'c1', 'sleep', '1000'));
    assert.ok(Number(readFileSync(detachedPid, 'utf8')) > 0);

    ok(cli('pause', 'c1'));
    assert.equal(status('c1'), 'paused');
    ok(cli('resume', 'c1'));
    assert.equal(status('c1'), 'running');

    ok(cli('update', '--pids-limit', '50', '--memory', '64m', 'c1'));
    ok(runtimeCli(root, ['update', '--resources', '-', 'c1'], { input: JSON.stringify({ pids: { limit: 60 } }) }));
    const stats = JSON.parse(ok(cli('events', '--stats', 'c1')).stdout);
    assert.equal(stats.type, 'stats');
    assert.equal(stats.id, 'c1');
    assert.ok(stats.data.pids.current >= 2, JSON.stringify(stats.data.pids));
    assert.equal(stats.data.pids.limit, 60);
    assert.equal(stats.data.memory.usage.limit, 64 * 1024 * 1024);

    const del = cli('delete', 'c1');
    assert.equal(del.status, 1);
    assert.match(del.stderr, /cannot delete container c1 that is not stopped|is not stopped/);

    ok(cli('kill', '--all', 'c1', 'KILL'));
    await waitFor('stopped', () => (status('c1') === 'stopped' ? true : undefined));
    const killStopped = cli('kill', 'c1', '15');
    assert.equal(killStopped.status, 1);
    assert.match(killStopped.stderr, /container not running|no such process/);
    ok(cli('delete', 'c1'));
    assert.equal(ok(cli('list', '-q')).stdout, '');
  });

  test('events --interval reports an OOM kill and ends when the container stops', () => {
    const b = bundle(['sh', '-c', 'sleep 0.5; x=$(head -c 200000000 /dev/zero | tr "\\0" a); sleep 0.5'], (s) => {
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } };
    });
    ok(cli('create', '--bundle', b, 'oom1'));
    ok(cli('start', 'oom1'));
    const events = ok(cli('events', '--interval', '100ms', 'oom1')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string });
    assert.ok(events.some((e) => e.type === 'oom' && e.id === 'oom1'), JSON.stringify(events));
    ok(cli('delete', 'oom1'));
  });

  test('errors: exit 1 with the texts callers match on', () => {
    const missing = cli('state', 'nope');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /does not exist/);
    assert.match(missing.stderr, /level=error/);
    assert.match(cli('kill', 'nope').stderr, /does not exist/);
    ok(cli('delete', '--force', 'nope'));

    const b = bundle(['sleep', '1000']);
    ok(cli('run', '--detach', '--bundle', b, 'dup'));
    const dup = cli('create', '--bundle', b, 'dup');
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /container with id exists: dup/);
    const startRunning = cli('start', 'dup');
    assert.equal(startRunning.status, 1);
    assert.match(startRunning.stderr, /cannot start an already running container|not in created state/);
    ok(cli('delete', '--force', 'dup'));
    assert.equal(cli('state', 'dup').status, 1);

    const usage = cli('state');
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /state.*requires exactly 1 argument/);
    const badFlag = cli('delete', '--bogus', 'x');
    assert.equal(badFlag.status, 1);
    assert.match(badFlag.stderr, /flag provided but not defined: -bogus/);
    const unknownVerb = cli('frobnicate');
    assert.equal(unknownVerb.status, 3);
    assert.match(unknownVerb.stderr, /No help topic for 'frobnicate'/);
    const badSignal = cli('kill', 'x', 'SIGNOPE');
    assert.equal(badSignal.status, 1);
  });

  test('--log-format json writes the error as a JSON line and prints it on stderr', () => {
    const log = join(root, 'log.json');
    const r = runtimeCli(root, ['state', 'nope'], { global: ['--log', log, '--log-format', 'json'] });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not exist/);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    const last = lines.at(-1)!;
    assert.equal(last.level, 'error');
    assert.match(last.msg, /does not exist/);
    assert.ok(!Number.isNaN(Date.parse(last.time)));
  });

  test('--version prints the three lines go-runc parses', () => {
    const lines = ok(runtimeCli(root, ['--version'])).stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /version \d+\.\d+\.\d+/);
    assert.match(lines[1]!, /^commit: /);
    assert.match(lines[2]!, /^spec: \d+\.\d+\.\d+/);
  });
});
