// A build on a daemon (gantry -H, or any Docker API daemon): the context goes
// as a tar to POST /build, as docker's CLI sends it (.dockerignore applied on
// this side, Dockerfile and .dockerignore always included), and the daemon's
// progress comes back as the same messages a local build reports.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BuildRequest } from './index.js';
import type { BuildResult } from './builder.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';
import { selectSources, sourcesTar } from './copy-sources.js';
import { Transport } from '../engine/remote/transport.js';
import { consumeProgress } from '../engine/remote/streams.js';
import { internal } from '../errdefs/index.js';

async function contextTar(req: BuildRequest): Promise<Readable> {
  if ('tar' in req.context) return req.context.tar;
  const dir = req.context.dir;
  const ignore = parseDockerignore(await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => ''));
  const always = new Set([req.dockerfile ?? 'Dockerfile', '.dockerignore']);
  const files = (await selectSources(dir, ['.'], '/', [], true, 'COPY')).filter((f) => always.has(f.dest) || !isIgnored(f.dest, ignore));
  return sourcesTar(files, { uid: 0, gid: 0 });
}

export async function buildOnDaemon(host: string, req: BuildRequest): Promise<BuildResult> {
  const t = new Transport(host);
  try {
    let dockerfile = req.dockerfile;
    let body = await contextTar(req);
    if (req.dockerfileText !== undefined) {
      // docker's CLI adds a stdin Dockerfile to the context under a random name; one fixed name does here.
      dockerfile = '.gantry-stdin.Dockerfile';
      body = Readable.from(withExtraFile(body, dockerfile, req.dockerfileText));
    }
    const res = await t.request('POST', '/build', {
      body,
      query: {
        t: req.tags ?? [],
        dockerfile,
        buildargs: req.buildArgs ? JSON.stringify(req.buildArgs) : undefined,
        labels: req.labels ? JSON.stringify(req.labels) : undefined,
        target: req.target,
        nocache: req.noCache,
        pull: req.pull,
        rm: !req.keepFailed,
        networkmode: req.network,
        platform: req.platform,
        cachefrom: req.cacheFrom ? JSON.stringify(req.cacheFrom) : undefined,
      },
      ...(req.signal ? { signal: req.signal } : {}),
    });
    let imageId: string | undefined;
    await consumeProgress(res, (m) => {
      const id = m.aux?.ID;
      if (typeof id === 'string') imageId = id;
      else req.onProgress(m);
    }, req.signal);
    if (!imageId) throw internal('the daemon finished the build without an image ID');
    req.onProgress({ aux: { ID: imageId } });
    return { imageId, cached: 0, executed: 0 };
  } finally {
    t.close();
  }
}

/** The context tar with one more file appended before its end. */
async function* withExtraFile(tar: Readable, name: string, text: string): AsyncGenerator<Buffer> {
  const { extract, pack } = await import('tar-stream');
  const ex = extract();
  const out = pack();
  tar.pipe(ex);
  const copy = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.entry(entry.header, Buffer.concat(chunks));
    }
    out.entry({ name, mode: 0o644 }, text);
    out.finalize();
  })();
  for await (const c of out as AsyncIterable<Buffer>) yield c;
  await copy;
}
