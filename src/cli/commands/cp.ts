// `gantry cp CONTAINER:SRC DEST | SRC CONTAINER:DEST` ("-": a tar on stdin/stdout).
import type { Command } from '../command.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';
import { copyFromContainer, copyToContainer } from '../../engine/archive.js';
import { UsageError } from '../flags.js';

/** docker's splitCpArg: "name:path" unless the part before ':' looks like a local path. */
function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

export const command: Command = {
  spec: {
    name: 'cp',
    usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tgantry cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
    description: 'Copy files/folders between a container and the local filesystem',
    minArgs: 2,
    maxArgs: 2,
    flags: [
      { name: 'archive', short: 'a', type: 'bool', description: 'Archive mode (copy all uid/gid information)' },
      { name: 'follow-link', short: 'L', type: 'bool', description: 'Always follow symbol link in SRC_PATH' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
    ],
  },
  async run(ctx, { flags, args }) {
    const src = splitCpArg(args[0]!);
    const dst = splitCpArg(args[1]!);
    if (src.container && dst.container) throw new UsageError('copying between containers is not supported');
    if (!src.container && !dst.container) throw new UsageError('must specify at least one container source');
    if ((src.container && !src.path) || (dst.container && !dst.path)) throw new UsageError('filepath can not be empty');
    const opts = { followLink: Boolean(flags['follow-link']), archive: Boolean(flags.archive) };
    const engine = await openCliEngine(ctx);
    const bytes = src.container
      ? await copyFromContainer(engine, src.container, src.path, dst.path, ctx.stdout, opts)
      : await copyToContainer(engine, dst.container!, src.path, dst.path, ctx.stdin, opts);
    const progress = !flags.quiet && (ctx.stderr as { isTTY?: boolean }).isTTY && !(src.container ? dst.path === '-' : src.path === '-');
    if (progress) ctx.stderr.write(`Successfully copied ${humanSize(bytes)} to ${src.container ? dst.path : `${dst.container}:${dst.path}`}\n`);
  },
};
