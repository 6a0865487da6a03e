// Builds over an Engine: the context (a directory, or a tar as POST /build
// and `gantry build -` send it), its Dockerfile and .dockerignore, then the
// Builder. The CLI calls this in-process; the Docker API's /build route calls
// it over the daemon's engine.
import { mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine, JSONMessage } from '../engine/api.js';
import { BuildCacheIndex } from '../engine/build-cache.js';
import { extractTar } from '../engine/tar-tree.js';
import { invalidArgument } from '../errdefs/index.js';
import { Builder, type BuildResult, type BuildSettings } from './builder.js';
import { parseDockerignore } from './dockerignore.js';

export interface BuildRequest extends BuildSettings {
  /** A directory on this machine, or a tar of the context. */
  context: { dir: string } | { tar: Readable };
  /** The Dockerfile's path in the context (default "Dockerfile"), unless dockerfileText is given. */
  dockerfile?: string;
  /** The Dockerfile itself (`-f -`). */
  dockerfileText?: string;
  /** docker's progress messages: {"stream": text} lines, {"aux": {"ID": ...}} last. */
  onProgress: (m: JSONMessage) => void;
}

/** The engine root whose build cache index a local engine uses. */
function cacheFor(engine: Engine): BuildCacheIndex {
  if (engine.location.kind !== 'local') throw invalidArgument('the builder runs beside a local engine; use the daemon\'s /build for a remote one');
  return new BuildCacheIndex(engine.location.root);
}

export async function buildImage(engine: Engine, req: BuildRequest): Promise<BuildResult> {
  let contextDir: string;
  let cleanup: string | undefined;
  if ('dir' in req.context) contextDir = req.context.dir;
  else {
    cleanup = await mkdtemp(join(tmpdir(), 'gantry-context-'));
    contextDir = join(cleanup, 'context');
    await mkdir(contextDir, { mode: 0o700 });
    await extractTar(req.context.tar, contextDir);
  }
  try {
    const dockerfileName = posix.normalize(req.dockerfile || 'Dockerfile');
    if (dockerfileName.startsWith('../')) throw invalidArgument(`the Dockerfile (${req.dockerfile}) must be within the build context`);
    const dockerfile =
      req.dockerfileText ??
      (await readFile(join(contextDir, dockerfileName), 'utf8').catch(() => {
        throw invalidArgument(`Cannot locate specified Dockerfile: ${dockerfileName}`);
      }));
    const ignoreText = await readFile(join(contextDir, '.dockerignore'), 'utf8').catch(() => '');
    const { context: _context, dockerfile: _name, dockerfileText: _text, onProgress, ...settings } = req;
    const builder = new Builder(engine, cacheFor(engine), { ...settings, dockerfile, contextDir, ignore: parseDockerignore(ignoreText), out: (text) => onProgress({ stream: text }) });
    const result = await builder.build();
    req.onProgress({ aux: { ID: result.imageId } });
    return result;
  } finally {
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  }
}
