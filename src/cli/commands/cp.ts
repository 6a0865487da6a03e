// `gantry cp CONTAINER:SRC DEST | SRC CONTAINER:DEST` ("-": a tar on stdin/stdout).
// As docker's CLI: the local side is packed or unpacked here, the container side
// through the engine's archive (stat, get, put), so it works against any daemon.
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { openEngine } from '../engine-client.js';
import { humanSize } from '../units.js';
import { UsageError } from '../flags.js';
import { invalidArgument, isNotFound, notFound } from '../../errdefs/index.js';
import type { Engine, PathStat } from '../../engine/api.js';
import { isDirMode, isSymlinkMode } from '../../engine/archive.js';
import { extractTar, packPath, rebaseTar } from '../../engine/tar-tree.js';

/** docker's splitCpArg: "name:path" unless the part before ':' looks like a local path. */
function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** docker's SplitPathDirEntry: parent and last element, "." kept for ".../.". */
function splitDirEntry(path: string): [string, string] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (/(^|\/)\.$/.test(path)) return [dirname(trimmed), '.'];
  return [dirname(trimmed), basename(trimmed) || trimmed];
}

/** The stream passed through, its bytes counted (for the progress line) without making it flow early. */
function counted(src: Readable): { stream: Readable; bytes: () => number } {
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  src.on('error', (err) => t.destroy(err));
  src.pipe(t);
  return { stream: t, bytes: () => n };
}

interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's top entry must get (a followed symlink keeps the link's name). */
  rebaseName?: string;
}

/**
 * docker's PrepareArchiveCopy: the directory to extract in and the archive with
 * its top entry renamed so the copy lands where cp's rules put it.
 */
function prepareArchiveCopy(tar: Readable, src: CopyInfo, dst: CopyInfo): { dir: string; tar: Readable } {
  const [dstDir, dstBase] = splitDirEntry(dst.path);
  const srcBase = src.rebaseName ?? splitDirEntry(src.path)[1];
  if (dst.exists && dst.isDir) return { dir: dst.path, tar };
  if (dst.exists && src.isDir) throw invalidArgument('cannot copy a directory to a file');
  if (!dst.exists && !src.isDir && dst.path.endsWith('/')) throw notFound(`destination directory ${dst.path} does not exist`);
  return { dir: dstDir, tar: rebaseTar(tar, srcBase, dstBase) };
}

async function copyFromContainer(ctx: CliContext, engine: Engine, container: string, srcPath: string, dstPath: string, followLink: boolean): Promise<number> {
  let rebaseName: string | undefined;
  if (dstPath !== '-' && followLink) {
    const st = await engine.containers.archiveStat(container, srcPath);
    if (isSymlinkMode(st.mode)) {
      rebaseName = splitDirEntry(srcPath)[1];
      srcPath = st.linkTarget.startsWith('/') ? st.linkTarget : join(dirname(srcPath), st.linkTarget);
    }
  }
  const got = await engine.containers.archiveGet(container, srcPath);
  const srcStat = got.stat;
  const { stream: tar, bytes } = counted(got.tar);
  if (dstPath === '-') {
    await pipeline(tar, ctx.stdout, { end: false });
    return bytes();
  }
  const src: CopyInfo = { path: srcPath, exists: true, isDir: isDirMode(srcStat.mode), ...(rebaseName ? { rebaseName } : {}) };
  const renamed = rebaseName ? rebaseTar(tar, splitDirEntry(srcPath)[1], rebaseName) : tar;
  const dst = await localDestination(dstPath);
  const place = prepareArchiveCopy(renamed, src, dst);
  await extractTar(place.tar, place.dir, { noLchown: true, noOverwriteDirNonDir: true });
  return bytes();
}

/** docker's CopyInfoDestinationPath: a local destination, its symlinks followed; a missing one needs its parent directory. */
async function localDestination(path: string): Promise<CopyInfo> {
  const st = await stat(path).catch(() => undefined);
  if (st) return { path: (await lstat(path)).isSymbolicLink() ? await realpath(path) : path, exists: true, isDir: st.isDirectory() };
  const parent = splitDirEntry(path)[0];
  const pst = await stat(parent).catch(() => undefined);
  if (!pst) throw notFound(`no such directory: ${parent}`);
  if (!pst.isDirectory()) throw invalidArgument(`not a directory: ${parent}`);
  return { path, exists: false, isDir: false };
}

/** docker's CopyInfoSourcePath: a local source, followed with -L (then named as the link) or with a trailing "/" or "/.". */
async function localSource(path: string, followLink: boolean): Promise<CopyInfo> {
  const [dir, base] = splitDirEntry(path);
  const follow = followLink || path.endsWith('/') || /(^|\/)\.$/.test(path);
  const resolved = follow ? await realpath(path).catch(() => path) : join(await realpath(dir).catch(() => dir), base);
  const st = await lstat(resolved).catch(() => undefined);
  if (!st) throw notFound(`lstat ${path}: no such file or directory`);
  const keepDot = base === '.' ? `${resolved}/.` : resolved;
  const rebaseName = follow && base !== '.' && basename(resolved) !== base ? base : undefined;
  return { path: keepDot, exists: true, isDir: st.isDirectory(), ...(rebaseName ? { rebaseName } : {}) };
}

async function copyToContainer(ctx: CliContext, engine: Engine, container: string, srcPath: string, dstPath: string, copyUIDGID: boolean): Promise<number> {
  let dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false };
  let dstStat: PathStat | undefined = await statOrMissing(engine, container, dstPath);
  if (dstStat && isSymlinkMode(dstStat.mode)) {
    const target = dstStat.linkTarget.startsWith('/') ? dstStat.linkTarget : join(splitDirEntry(dstPath)[0], dstStat.linkTarget);
    dstInfo = { ...dstInfo, path: target };
    dstStat = await statOrMissing(engine, container, target);
  }
  if (dstStat) dstInfo = { ...dstInfo, exists: true, isDir: isDirMode(dstStat.mode) };
  let content: Readable;
  let dir: string;
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw invalidArgument(`destination "${container}:${dstPath}" must be a directory`);
    content = ctx.stdin;
    dir = dstInfo.path;
  } else {
    const src = await localSource(srcPath, false);
    const [srcDir, srcBase] = splitDirEntry(src.path);
    const tar = packPath(srcBase === '.' ? srcDir : src.path, src.rebaseName ?? srcBase, false);
    ({ dir, tar: content } = prepareArchiveCopy(tar, src, dstInfo));
  }
  const { stream, bytes } = counted(content);
  await engine.containers.archivePut(container, dir, stream, { noOverwriteDirNonDir: true, copyUIDGID });
  return bytes();
}

/** The container path's stat, or undefined when it does not exist (docker's CLI assumes its parent does). */
async function statOrMissing(engine: Engine, container: string, path: string): Promise<PathStat | undefined> {
  try {
    return await engine.containers.archiveStat(container, path);
  } catch (err) {
    if (isNotFound(err) && !/No such container/.test((err as Error).message)) return undefined;
    throw err;
  }
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
    const engine = await openEngine(ctx);
    try {
      const bytes = src.container
        ? await copyFromContainer(ctx, engine, src.container, src.path, dst.path, Boolean(flags['follow-link']))
        : await copyToContainer(ctx, engine, dst.container!, src.path, dst.path, Boolean(flags.archive));
      const progress = !flags.quiet && (ctx.stderr as { isTTY?: boolean }).isTTY && !(src.container ? dst.path === '-' : src.path === '-');
      if (progress) ctx.stderr.write(`Successfully copied ${humanSize(bytes)} to ${src.container ? dst.path : `${dst.container}:${dst.path}`}\n`);
    } finally {
      await engine.close();
    }
  },
};
