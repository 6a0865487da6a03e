// `gantry build [OPTIONS] PATH | -`: docker's classic builder flags and
// output. In-process the builder reads the context directory directly; against
// a daemon (-H) the context goes as a tar to its /build, as docker's CLI sends it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { JSONMessage } from '../../engine/api.js';

function keyValues(list: string[], what: string, fromEnv: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i === 0) throw invalidArgument(`invalid ${what}: ${kv}`);
    // "--build-arg NAME" takes NAME from the environment (unset: null, as docker sends it).
    if (i < 0) out[kv] = fromEnv ? (process.env[kv] ?? null) : '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const isTar = (b: Buffer) => b.length >= 262 && b.subarray(257, 262).toString() === 'ustar';

export const command: Command = {
  spec: {
    name: 'build',
    usage: '[OPTIONS] PATH | URL | -',
    description: 'Build an image from a Dockerfile',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'build-arg', type: 'list', description: 'Set build-time variables' },
      { name: 'cache-from', type: 'list', description: 'Images to consider as cache sources' },
      { name: 'file', short: 'f', type: 'string', description: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
      { name: 'force-rm', type: 'bool', description: 'Always remove intermediate containers' },
      { name: 'iidfile', type: 'string', description: 'Write the image ID to the file' },
      { name: 'label', type: 'list', description: 'Set metadata for an image' },
      { name: 'network', type: 'string', description: 'Set the networking mode for the RUN instructions during build (default "default")' },
      { name: 'no-cache', type: 'bool', description: 'Do not use cache when building the image' },
      { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
      { name: 'pull', type: 'bool', description: 'Always attempt to pull a newer version of the image' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the build output and print image ID on success' },
      { name: 'rm', type: 'bool', default: true, description: 'Remove intermediate containers after a successful build' },
      { name: 'tag', short: 't', type: 'list', description: 'Name and optionally a tag in the "name:tag" format' },
      { name: 'target', type: 'string', description: 'Set the target build stage to build.' },
    ],
  },
  async run(ctx, { flags, args }) {
    const where = args[0]!;
    if (/^(https?|git):\/\/|^git@|^github\.com\//.test(where)) throw invalidArgument(`unable to prepare context: remote build contexts are not supported: ${where}`);
    const quiet = flags.quiet === true;
    const file = flags.file as string | undefined;
    let dockerfileText: string | undefined;
    let context: { dir: string } | { tar: Readable };
    let emptyContext: string | undefined;
    if (where === '-') {
      if (file === '-') throw invalidArgument('invalid argument: can\'t use stdin for both build context and dockerfile');
      const input = await readAll(ctx.stdin);
      if (isTar(input)) context = { tar: (await import('node:stream')).Readable.from([input]) };
      else {
        // A Dockerfile alone on stdin: an empty context.
        dockerfileText = input.toString('utf8');
        const { mkdtempSync } = await import('node:fs');
        emptyContext = mkdtempSync(resolve((await import('node:os')).tmpdir(), 'gantry-empty-context-'));
        context = { dir: emptyContext };
      }
    } else {
      context = { dir: resolve(where) };
      if (file === '-') dockerfileText = (await readAll(ctx.stdin)).toString('utf8');
    }
    let dockerfile = file && file !== '-' ? file : undefined;
    if (dockerfile && 'dir' in context) {
      // -f is relative to the caller's directory, as docker's CLI takes it; the builder wants it inside the context.
      const abs = resolve(dockerfile);
      const rel = abs.startsWith(`${context.dir}/`) ? abs.slice(context.dir.length + 1) : undefined;
      if (rel === undefined) dockerfileText = readFileSync(abs, 'utf8');
      else dockerfile = rel;
    }
    const engine = await openEngine(ctx);
    const onProgress = (m: JSONMessage) => {
      if (m.stream !== undefined && !quiet) ctx.stdout.write(m.stream);
    };
    const network = flags.network as string | undefined;
    const location = engine.location;
    const run =
      location.kind === 'remote'
        ? (req: import('../../build/index.js').BuildRequest) => import('../../build/remote.js').then((m) => m.buildOnDaemon(location.host, req))
        : (req: import('../../build/index.js').BuildRequest) => import('../../build/index.js').then((m) => m.buildImage(engine, req));
    const result = await run({
      context,
      ...(dockerfile ? { dockerfile } : {}),
      ...(dockerfileText !== undefined ? { dockerfileText } : {}),
      tags: (flags.tag as string[] | undefined) ?? [],
      buildArgs: keyValues((flags['build-arg'] as string[] | undefined) ?? [], 'build-arg', true),
      labels: keyValues((flags.label as string[] | undefined) ?? [], 'label', false) as Record<string, string>,
      ...(flags.target ? { target: flags.target as string } : {}),
      ...(flags['no-cache'] ? { noCache: true } : {}),
      ...(flags.pull ? { pull: true } : {}),
      ...(flags.rm === false && !flags['force-rm'] ? { keepFailed: true } : {}),
      ...(network && network !== 'default' ? { network } : {}),
      ...(flags.platform ? { platform: flags.platform as string } : {}),
      ...((flags['cache-from'] as string[] | undefined)?.length ? { cacheFrom: flags['cache-from'] as string[] } : {}),
      onProgress,
    }).finally(() => (emptyContext ? rmSync(emptyContext, { recursive: true, force: true }) : undefined));
    if (quiet) ctx.stdout.write(`${result.imageId}\n`);
    if (flags.iidfile) writeFileSync(flags.iidfile as string, result.imageId);
    await engine.close();
    return 0;
  },
};
