// The same Dockerfiles built by `gantry build` and by `buildah bud --layers`
// (docker format, its own roots on overlay, busybox given to it from `gantry save`)
// give the same image configs and file trees. What legitimately differs is
// left out, each with its reason (see IGNORED_PATHS and configOf). Not in the
// Dockerfiles: \${x-d} without the colon and heredocs, which buildah 1.28's
// parser refuses (gantry's own tests cover them), and --chown=user without a
// group, where buildah takes the user's primary group and docker (and gantry)
// a group of the user's name. RUN output that shows supplementary groups
// differs by runtime (buildah adds the primary gid, runc as docker does not).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';

const BUILDAH = '/usr/bin/buildah';
const GANTRY = resolve(import.meta.dirname, '..', '..', '..', '..', 'bin', 'gantry');
const skip = existsSync(BUILDAH) ? false : 'buildah is not installed';

let g: Gantry;
let dir: string;
let bRoot: string;

before(async () => {
  if (skip) return;
  g = await Gantry.create();
  dir = await mkdtemp(join(tmpdir(), 'gantry-buildah-compat-'));
  bRoot = join(dir, 'buildah');
  gantry(['save', '-o', join(dir, 'busybox.tar'), 'busybox:latest']);
  buildah(['pull', `docker-archive:${join(dir, 'busybox.tar')}`]);
  const id = buildah(['images', '-q']).toString().trim().split('\n')[0]!;
  buildah(['tag', id, 'busybox:latest']);
});
after(async () => {
  if (skip) return;
  await g.cleanup();
  await removeRootfsCache();
  try {
    buildah(['rm', '--all']);
  } catch {
    /* nothing to remove */
  }
  // buildah's overlay store leaves its own mounts under its root.
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir));
  for (const m of mounts.reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
  await rm(dir, { recursive: true, force: true });
});

function gantry(args: string[]): Buffer {
  return execFileSync(GANTRY, ['--root', g.root, '--runroot', g.runroot, ...args], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

function buildah(args: string[]): Buffer {
  return execFileSync(BUILDAH, ['--root', join(bRoot, 'root'), '--runroot', join(bRoot, 'run'), '--storage-driver', 'overlay', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
    // runc: crun refuses this machine's hybrid cgroup layout (cgroup2 holding only hugetlb)
    env: { ...process.env, BUILDAH_RUNTIME: 'runc' },
  });
}

async function project(name: string, files: Record<string, string>): Promise<string> {
  const p = join(dir, name);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(p, f, '..'), { recursive: true });
    await writeFile(join(p, f), text);
  }
  return p;
}

/** Both tools build the context; returns the two image names. */
function buildBoth(ctx: string, tag: string): void {
  gantry(['build', '-q', '-t', tag, ctx]);
  buildah(['bud', '--layers', '--format', 'docker', '--isolation', 'chroot', '--pull-never', '-q', '-t', tag, ctx]);
}

/**
 * The compared config. Left out: Labels' io.buildah.version (buildah's own
 * stamp); Image, Hostname and the other container-only fields (not set by
 * either from a Dockerfile, and docker's image config keeps them empty).
 */
function configOf(c: Record<string, unknown>): Record<string, unknown> {
  const labels = { ...((c.Labels as Record<string, string> | null) ?? {}) };
  delete labels['io.buildah.version'];
  const nonEmpty = (v: unknown) => (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0) ? undefined : v);
  const out: Record<string, unknown> = {};
  for (const k of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell']) {
    const v = nonEmpty(c[k]);
    if (v !== undefined) out[k] = v;
  }
  if (Object.keys(labels).length) out.Labels = labels;
  return out;
}

function gantryConfig(tag: string): Record<string, unknown> {
  return configOf(JSON.parse(gantry(['image', 'inspect', tag]).toString())[0].Config);
}

function buildahConfig(tag: string): Record<string, unknown> {
  return configOf(JSON.parse(buildah(['inspect', '--type', 'image', tag]).toString()).Docker.config);
}

/**
 * Paths the runtimes write themselves: /etc/hosts, hostname and resolv.conf
 * (bind-mount targets a RUN may leave behind, differently per runtime), and the
 * pseudo file systems' mount points' contents.
 */
const IGNORED_PATHS = /^(etc\/(hosts|hostname|resolv\.conf)|(dev|proc|sys|run)\/.+)$/;

interface Entry {
  type: string;
  mode: string;
  owner: string;
  link?: string;
  sha?: string;
}

async function treeOf(tar: Buffer): Promise<Map<string, Entry>> {
  const tree = new Map<string, Entry>();
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (h, stream, next) => {
      const hash = createHash('sha256');
      stream.on('data', (d: unknown) => {
        hash.update(d as Buffer);
      });
      stream.on('end', () => {
        const path = h.name.replace(/^\.?\//, '').replace(/\/$/, '');
        if (path && !IGNORED_PATHS.test(path)) {
          tree.set(path, {
            type: h.type ?? 'file',
            mode: ((h.mode ?? 0) & 0o7777).toString(8),
            owner: `${h.uid}:${h.gid}`,
            ...(h.linkname ? { link: h.linkname } : {}),
            ...(h.type === 'file' ? { sha: hash.digest('hex').slice(0, 16) } : {}),
          });
        }
        next();
      });
      stream.resume();
    });
    ex.on('finish', res);
    ex.on('error', rej);
  });
  Readable.from(tar).pipe(ex);
  await done;
  return tree;
}

async function gantryTree(tag: string): Promise<Map<string, Entry>> {
  const cid = gantry(['create', tag]).toString().trim();
  try {
    const out = join(dir, `${cid}.tar`);
    gantry(['export', '-o', out, cid]);
    return await treeOf(readFileSync(out));
  } finally {
    gantry(['rm', '-f', cid]);
  }
}

async function buildahTree(tag: string): Promise<Map<string, Entry>> {
  // The last line: buildah first prints an image's ONBUILD triggers.
  const ctr = buildah(['from', '--pull-never', tag]).toString().trim().split('\n').at(-1)!;
  try {
    const mnt = buildah(['mount', ctr]).toString().trim();
    return await treeOf(execFileSync('tar', ['-C', mnt, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 1 << 28 }));
  } finally {
    buildah(['rm', ctr]);
  }
}

/** The differences, one line each, for a readable failure. */
function treeDiff(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
  const diffs: string[] = [];
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = JSON.stringify(a.get(p));
    const y = JSON.stringify(b.get(p));
    if (x !== y) diffs.push(`${p}: gantry ${x ?? 'missing'} buildah ${y ?? 'missing'}`);
  }
  return diffs.sort();
}

/** `skipPaths`: paths one tool legitimately has and the other not (named by the test). */
async function compare(ctx: string, tag: string, skipPaths: string[] = []): Promise<void> {
  buildBoth(ctx, tag);
  assert.deepEqual(gantryConfig(tag), buildahConfig(tag), 'image configs');
  const diffs = treeDiff(await gantryTree(tag), await buildahTree(tag)).filter((d) => !skipPaths.includes(d.slice(0, d.indexOf(':'))));
  assert.deepEqual(diffs, [], 'file trees');
}

test('ENV/ARG scoping and substitution, USER, WORKDIR, SHELL, ENTRYPOINT resetting CMD, config instructions', { skip }, async () => {
  const ctx = await project('config', {
    Dockerfile: `ARG BASE=busybox
ARG GLOBAL=g1
FROM \${BASE}
ARG GLOBAL
ARG LOCAL=l1
ENV A=one B="two words" C=\${A}-x
ENV D=\${UNSET:-dflt} E=\${A:+alt} F=\${UNSET:+no} H='\${A}' I=\\$A
RUN echo "$GLOBAL $LOCAL $A $B $C" > /vars.txt && echo "$D $E $F $G $H $I" >> /vars.txt
WORKDIR /w1
WORKDIR sub/dir
RUN pwd > /pwd.txt
USER 1000:1000
RUN id -u > /tmp/id.txt && id -g >> /tmp/id.txt
USER root
SHELL ["/bin/sh", "-e", "-c"]
RUN echo shell > /shell.txt
LABEL a=1 "b c"="d e"
LABEL version=\${LOCAL}
EXPOSE 80 443/udp 8000-8001
VOLUME /data /cache
VOLUME ["/logs"]
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD wget -q -O- localhost || exit 1
ONBUILD RUN echo triggered > /onbuild.txt
CMD ["original"]
ENTRYPOINT ["/bin/echo"]
`,
  });
  // buildah creates VOLUME directories at once; docker (and gantry) only record
  // them, a later step's container creating the mount point.
  await compare(ctx, 'compat-config', ['data', 'cache', 'logs']);
});

test('COPY rules, --chown by name and number, --chmod, ADD of a tar, .dockerignore exceptions', { skip }, async () => {
  const ctx = await project('copy', {
    Dockerfile: `FROM busybox
RUN echo 'app:x:1234:2345::/home/app:/bin/sh' >> /etc/passwd && echo 'appgrp:x:2345:' >> /etc/group
COPY dir/ /contents/
COPY dir /contents2
COPY one.txt two.txt /into/
COPY *.txt /wild/
COPY dir/sub/*.md /wild-md/
COPY one.txt /renamed.txt
COPY one.txt /usr/
COPY two.txt /etc
COPY --chown=app:appgrp one.txt /owned-name/
COPY --chown=55:66 dir /owned-num/
COPY --chmod=0640 two.txt /modes/
COPY --chmod=755 dir /modes-dir/
ADD files.tar /unpacked/
ADD one.txt /added/
COPY ignored/ /ignored/
WORKDIR /rel
COPY one.txt .
COPY two.txt ./sub/
`,
    'one.txt': 'one\n',
    'two.txt': 'two\n',
    'dir/a': 'a\n',
    'dir/sub/b.md': 'b\n',
    'dir/sub/c.md': 'c\n',
    'ignored/keep.log': 'kept by the exception\n',
    'ignored/drop.log': 'ignored\n',
    'ignored/plain.txt': 'plain\n',
    '.dockerignore': 'ignored/*.log\n!ignored/keep.log\n',
  });
  await mkdir(join(ctx, 'tarsrc', 'nested'), { recursive: true });
  await writeFile(join(ctx, 'tarsrc', 'nested', 'in.txt'), 'from tar\n');
  execFileSync('ln', ['-s', 'nested/in.txt', join(ctx, 'tarsrc', 'link')]);
  execFileSync('tar', ['-C', join(ctx, 'tarsrc'), '--owner=7', '--group=8', '-cf', join(ctx, 'files.tar'), '.']);
  await compare(ctx, 'compat-copy');
});

test('multi-stage COPY --from (stage name, index), ONBUILD triggers', { skip }, async () => {
  const base = await project('onbuild-base', {
    Dockerfile: 'FROM busybox\nONBUILD COPY trigger.txt /from-trigger.txt\nONBUILD RUN echo ran > /trigger-ran.txt\n',
  });
  buildBoth(base, 'compat-onbase');
  const ctx = await project('multi', {
    Dockerfile: `FROM busybox AS first
RUN mkdir -p /out/deep && echo first > /out/deep/f.txt && ln -s deep/f.txt /out/link && chown -R 33:44 /out/deep
FROM busybox
RUN echo second > /s.txt
FROM compat-onbase
COPY --from=first /out /copied/
COPY --from=1 /s.txt /second.txt
COPY --from=first /out/deep/f.txt /single
`,
    'trigger.txt': 'trigger\n',
  });
  await compare(ctx, 'compat-multi');
});
