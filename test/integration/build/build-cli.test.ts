// gantry build through the CLI against a temporary store with busybox:
// multi-stage with ARG/ENV/COPY --from, the cache (unchanged and one file
// changed), .dockerignore, ADD of a tar, heredocs, --target, stdin contexts,
// and failures that leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';

let g: Gantry;
let ctxDir: string;

before(async () => {
  g = await Gantry.create();
  ctxDir = await mkdtemp(join(tmpdir(), 'gantry-build-ctx-'));
});
after(async () => {
  await g.cleanup();
  await removeRootfsCache();
  await rm(ctxDir, { recursive: true, force: true });
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(ctxDir, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const MULTI = `ARG BASE=busybox
FROM \${BASE} AS builder
ARG GREETING=hello
WORKDIR /src
COPY src/ ./
RUN echo "$GREETING from $(cat name.txt)" > /out.txt
FROM busybox AS unused
RUN exit 7
FROM \${BASE}
LABEL org.example.kind="demo app"
ENV APP_HOME=/app PATH=/app/bin:/bin:$PATH
COPY --from=builder /out.txt \${APP_HOME}/greeting.txt
EXPOSE 8080
USER 1000:1000
CMD ["cat", "/app/greeting.txt"]
`;

test('multi-stage build: only needed stages, config and files as written', async () => {
  const dir = await project({ Dockerfile: MULTI, 'src/name.txt': 'gantry\n', '.dockerignore': 'secret\n', secret: 'x' });
  const r = await g.run(['build', '-t', 'demo:1', '--build-arg', 'GREETING=hi', dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /Step 1\/\d+ : FROM \$\{BASE\} AS builder/);
  assert.doesNotMatch(r.stdout, /exit 7/, 'the unused stage is not built');
  assert.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged demo:1\n/);
  const run = await g.run(['run', '--rm', 'demo:1']);
  assert.equal(run.stdout, 'hi from gantry\n', run.stderr);
  const cfg = JSON.parse((await g.run(['image', 'inspect', 'demo:1'])).stdout)[0].Config;
  assert.equal(cfg.User, '1000:1000');
  assert.deepEqual(cfg.ExposedPorts, { '8080/tcp': {} });
  assert.equal(cfg.Labels['org.example.kind'], 'demo app');
  assert.ok(cfg.Env.includes('APP_HOME=/app'));
  assert.ok(cfg.Env.some((e: string) => e.startsWith('PATH=/app/bin:/bin:')), cfg.Env.join(' '));
  assert.deepEqual(cfg.Cmd, ['cat', '/app/greeting.txt']);
});

test('an unchanged rebuild is all cache; a changed file reruns from its COPY on', async () => {
  const dir = await project({ Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCOPY c.txt /c.txt\nCMD ["cat", "/b.txt", "/c.txt"]\n', 'a.txt': 'one\n', 'c.txt': 'see\n' });
  const first = await g.run(['build', '-q', dir]);
  assert.equal(first.code, 0, first.stderr);
  const id = first.stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  const again = await g.run(['build', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stdout.match(/Using cache/g) ?? []).length, 3, again.stdout);
  assert.doesNotMatch(again.stdout, /Running in/);
  assert.match(again.stdout, new RegExp(`Successfully built ${id.slice(7, 19)}`));
  await writeFile(join(dir, 'c.txt'), 'changed\n');
  const third = await g.run(['build', '-t', 'cache:t', dir]);
  assert.equal((third.stdout.match(/Using cache/g) ?? []).length, 2, third.stdout);
  assert.equal((await g.run(['run', '--rm', 'cache:t'])).stdout, 'one\nchanged\n');
  const nocache = await g.run(['build', '--no-cache', dir]);
  assert.doesNotMatch(nocache.stdout, /Using cache/);
});

test('.dockerignore, ADD of a local tar, heredocs, SHELL, --iidfile', async () => {
  const dir = await project({ 'keep.txt': 'kept\n', 'skip.log': 'no\n', 'sub/skip.log': 'yes\n', '.dockerignore': '*.log\n' });
  await mkdir(join(dir, 'tarsrc'));
  await writeFile(join(dir, 'tarsrc', 'inside.txt'), 'from tar\n');
  execFileSync('tar', ['-C', join(dir, 'tarsrc'), '-czf', join(dir, 'files.tgz'), '.']);
  await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY . /ctx/\nADD files.tgz /unpacked/\nRUN <<EOF\necho one > /h.txt\necho two >> /h.txt\nEOF\nCOPY <<EOT /greeting\nhello $HOSTNAME-less\nEOT\nSHELL ["/bin/sh", "-c"]\nRUN ls /ctx /ctx/sub /unpacked | tr "\\n" " " > /ls.txt\nCMD cat /ls.txt /h.txt\n');
  const iid = join(dir, 'iid');
  const r = await g.run(['build', '--iidfile', iid, '-t', 'misc', dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(readFileSync(iid, 'utf8'), /^sha256:[0-9a-f]{64}$/);
  const out = (await g.run(['run', '--rm', 'misc'])).stdout;
  assert.match(out, /Dockerfile/);
  assert.match(out, /keep\.txt/);
  assert.doesNotMatch(out, /skip\.log sub/);
  assert.match(out, /sub: skip\.log/, 'only the root *.log is ignored');
  assert.match(out, /inside\.txt/);
  assert.match(out, /one\ntwo\n$/);
});

test('--target, -f -, a context tar on stdin', async () => {
  const dir = await project({ Dockerfile: 'FROM busybox AS a\nRUN echo a > /a\nFROM a AS b\nRUN exit 3\n' });
  const r = await g.run(['build', '--target', 'a', '-t', 'target:a', dir]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stdout, /exit 3/);
  const viaStdin = await g.run(['build', '-t', 'stdin:df', '-f', '-', dir], 'FROM busybox\nCMD ["echo", "from stdin"]\n');
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.equal((await g.run(['run', '--rm', 'stdin:df'])).stdout, 'from stdin\n');
  const tarDir = await project({ Dockerfile: 'FROM busybox\nCOPY x /x\nCMD ["cat", "/x"]\n', x: 'tarred\n' });
  const tar = execFileSync('tar', ['-C', tarDir, '-cf', '-', '.']);
  const t = await g.run(['build', '-t', 'stdin:tar', '-'], tar.toString('latin1'));
  assert.equal(t.code, 0, t.stderr + t.stdout);
  assert.equal((await g.run(['run', '--rm', 'stdin:tar'])).stdout, 'tarred\n');
});

test('failures: a parse error names the line, a failing RUN its exit code, and nothing is left behind', async () => {
  const bad = await project({ Dockerfile: 'FROM busybox\nFOO bar\n' });
  const p = await g.run(['build', bad]);
  assert.notEqual(p.code, 0);
  assert.match(p.stderr, /dockerfile parse error on line 2: unknown instruction: FOO/);
  const before = (await g.run(['ps', '-aq'])).stdout;
  const failing = await project({ Dockerfile: 'FROM busybox\nRUN echo partial; exit 3\n' });
  const f = await g.run(['build', failing]);
  assert.notEqual(f.code, 0);
  assert.match(f.stdout, /partial/);
  assert.match(f.stderr, /The command '\/bin\/sh -c echo partial; exit 3' returned a non-zero code: 3/);
  assert.equal((await g.run(['ps', '-aq'])).stdout, before, 'no container left');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(g.root), 'no mount left under the store');
  const missing = await project({ Dockerfile: 'FROM busybox\nCOPY nope /x\n' });
  const m = await g.run(['build', missing]);
  assert.notEqual(m.code, 0);
  assert.match(m.stderr, /"\/nope": not found/);
  const url = await project({ Dockerfile: 'FROM busybox\nADD http://127.0.0.1:9/file /f\n' });
  const u = await g.run(['build', url]);
  assert.notEqual(u.code, 0);
  assert.match(u.stderr, /failed to fetch http:\/\/127\.0\.0\.1:9\/file/);
});
